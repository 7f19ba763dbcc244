// /invoices/:id: one invoice, its lines, totals and payments; record a payment or void it.
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";
import { EmptyState, ErrorMessage, Loading } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import {
  InvoiceDetailDocument,
  InvoiceDetailVoidDocument,
  type InvoiceDetailFieldsFragment,
} from "../../graphql/generated";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { canVoid, paymentMethodLabel, paymentNotice } from "./logic";
import { RecordPaymentForm } from "./RecordPaymentForm";

/** The invoice screen for the `:id` of the route. */
export function InvoiceDetailPage() {
  const { id = "" } = useParams();
  const [notice, setNotice] = useState<string | null>(null);
  const [result] = useQuery({ query: InvoiceDetailDocument, variables: { id } });
  const [voidResult, voidInvoice] = useMutation(InvoiceDetailVoidDocument);
  const invoice = result.data?.invoice;

  if (result.data === undefined) {
    return (
      <section>
        <h1>Invoice</h1>
        {result.fetching ? <Loading what="Loading the invoice" /> : null}
        <ErrorMessage error={result.error} title="The invoice could not be loaded." />
      </section>
    );
  }
  if (!invoice) {
    return (
      <section>
        <h1>Invoice not found</h1>
        <EmptyState action={<Link to="/invoices">All invoices</Link>}>
          No invoice with id {id}.
        </EmptyState>
      </section>
    );
  }

  async function confirmVoid(target: InvoiceDetailFieldsFragment): Promise<void> {
    if (!window.confirm(`Void invoice ${target.number}? It can no longer be paid.`)) return;
    setNotice(null);
    const response = await voidInvoice({ invoiceId: target.id });
    if (!response.error) setNotice(`Invoice ${target.number} voided.`);
  }

  return (
    <section>
      <h1>Invoice {invoice.number}</h1>
      <p>
        <StatusBadge status={invoice.status} testId="invoice-status" />
      </p>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorMessage error={result.error} />
      <dl className="facts card">
        <dt>Customer</dt>
        <dd>
          <Link to={`/customers/${invoice.customer.id}`} data-testid="invoice-customer">
            {invoice.customer.name}
          </Link>
        </dd>
        <dt>Issued</dt>
        <dd>{formatDateTime(invoice.issuedAt)}</dd>
        {invoice.paidAt ? (
          <>
            <dt>Paid</dt>
            <dd>{formatDateTime(invoice.paidAt)}</dd>
          </>
        ) : null}
        {invoice.voidedAt ? (
          <>
            <dt>Voided</dt>
            <dd>{formatDateTime(invoice.voidedAt)}</dd>
          </>
        ) : null}
      </dl>

      <h2>Items</h2>
      <InvoiceItemsTable items={invoice.items} />
      <dl className="facts card" aria-label="Totals">
        <dt>Total</dt>
        <dd>{formatMoney(invoice.total)}</dd>
        <dt>Amount paid</dt>
        <dd>{formatMoney(invoice.amountPaid)}</dd>
        <dt>Balance due</dt>
        <dd data-testid="invoice-balance">{formatMoney(invoice.balanceDue)}</dd>
      </dl>

      <h2>Payments</h2>
      <PaymentsTable payments={invoice.payments} />

      {invoice.status === "OPEN" ? (
        <>
          <h2>Record a payment</h2>
          <div className="card">
            <RecordPaymentForm
              key={`${invoice.id}:${invoice.balanceDue.amount}`}
              invoiceId={invoice.id}
              balanceDue={invoice.balanceDue}
              onRecorded={(balanceDue) => setNotice(paymentNotice(balanceDue))}
            />
          </div>
        </>
      ) : null}
      {canVoid(invoice) ? (
        <div className="toolbar">
          <button
            type="button"
            className="danger"
            disabled={voidResult.fetching}
            onClick={() => void confirmVoid(invoice)}
          >
            Void invoice
          </button>
        </div>
      ) : null}
      <ErrorMessage error={voidResult.error} title="The invoice was not voided." />
    </section>
  );
}

function InvoiceItemsTable({ items }: { items: InvoiceDetailFieldsFragment["items"] }) {
  if (items.length === 0) return <EmptyState>This invoice has no lines.</EmptyState>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Product</th>
          <th scope="col">SKU</th>
          <th scope="col" className="num">
            Quantity
          </th>
          <th scope="col" className="num">
            Unit price
          </th>
          <th scope="col" className="num">
            Line total
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((item, index) => (
          <tr key={`${item.product.id}-${index}`}>
            <td>
              <Link to={`/products/${item.product.id}`} data-testid="invoice-item-product">
                {item.product.name}
              </Link>
            </td>
            <td>{item.product.sku}</td>
            <td className="num">{item.quantity}</td>
            <td className="num">{formatMoney(item.unitPrice)}</td>
            <td className="num">{formatMoney(item.lineTotal)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PaymentsTable({ payments }: { payments: InvoiceDetailFieldsFragment["payments"] }) {
  if (payments.length === 0) return <EmptyState>No payments yet.</EmptyState>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Method</th>
          <th scope="col" className="num">
            Amount
          </th>
        </tr>
      </thead>
      <tbody>
        {payments.map((payment) => (
          <tr key={payment.id}>
            <td>{formatDateTime(payment.receivedAt)}</td>
            <td>{paymentMethodLabel(payment.method)}</td>
            <td className="num">{formatMoney(payment.amount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
