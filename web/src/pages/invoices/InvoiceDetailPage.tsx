// /invoices/:id: one invoice, its lines, totals and payments; record a payment or void it.
import { useState } from "react";
import { Link } from "react-router-dom";
import { useMutation, type CombinedError } from "urql";
import { useAuth } from "../../auth";
import { EmptyState, ErrorMessage, Notice } from "../../components/QueryState";
import { RecordPage } from "../../components/RecordPage";
import { StatusBadge } from "../../components/StatusBadge";
import { numeric, TableHead } from "../../components/TableHead";
import {
  InvoiceDetailDocument,
  InvoiceDetailVoidDocument,
  type InvoiceDetailFieldsFragment,
} from "../../graphql/generated";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { canVoid, paymentMethodLabel, paymentNotice } from "./logic";
import { RecordPaymentForm } from "./RecordPaymentForm";

/**
 * The invoice screen for the `:id` of the route; "Record a payment" and "Void invoice" with
 * billing:write.
 */
export function InvoiceDetailPage() {
  return (
    <RecordPage
      query={InvoiceDetailDocument}
      pick={(data) => data.invoice}
      title="Invoice"
      back={{ to: "/invoices", label: "All invoices" }}
    >
      {(invoice, { error }) => <InvoiceView invoice={invoice} error={error} />}
    </RecordPage>
  );
}

function InvoiceView({
  invoice,
  error,
}: {
  invoice: InvoiceDetailFieldsFragment;
  error: CombinedError | undefined;
}) {
  const [notice, setNotice] = useState<string | null>(null);
  const [voidResult, voidInvoice] = useMutation(InvoiceDetailVoidDocument);
  const mayBill = useAuth().can("billing:write");

  async function confirmVoid(): Promise<void> {
    if (!window.confirm(`Void invoice ${invoice.number}? It can no longer be paid.`)) return;
    setNotice(null);
    const response = await voidInvoice({ invoiceId: invoice.id });
    if (!response.error) setNotice(`Invoice ${invoice.number} voided.`);
  }

  return (
    <section>
      <h1>Invoice {invoice.number}</h1>
      <p>
        <StatusBadge status={invoice.status} testId="invoice-status" />
      </p>
      <Notice message={notice} />
      <ErrorMessage error={error} />
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

      {mayBill && invoice.status === "OPEN" ? (
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
      {mayBill && canVoid(invoice) ? (
        <div className="toolbar">
          <button
            type="button"
            className="danger"
            disabled={voidResult.fetching}
            onClick={() => void confirmVoid()}
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
      <TableHead
        columns={[
          "Product",
          "SKU",
          numeric("Quantity"),
          numeric("Unit price"),
          numeric("Line total"),
        ]}
      />
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
      <TableHead columns={["Received", "Method", numeric("Amount")]} />
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
