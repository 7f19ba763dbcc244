// /customers/:id: the customer's facts, invoices (billing) and orders (orders) in one federated
// query; edit, delete, and a link to place an order.
import { useMemo } from "react";
import { Link, useLocation } from "react-router-dom";
import type { CombinedError } from "urql";
import { Can, useAuth } from "../../auth";
import { DeleteButton } from "../../components/DeleteButton";
import { EditSection } from "../../components/FormSection";
import { EmptyState, ErrorMessage, Notice } from "../../components/QueryState";
import { RecordPage } from "../../components/RecordPage";
import { StatusBadge } from "../../components/StatusBadge";
import { numeric, TableHead } from "../../components/TableHead";
import {
  CustomerDetailDocument,
  DeleteCustomerDocument,
  UpdateCustomerDocument,
  type CustomerDetailQuery,
} from "../../graphql/generated";
import { formatDate, formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { noticeFrom } from "../../lib/routeNotice";
import { CustomerForm } from "./CustomerForm";
import { customerFormValues, toUpdateCustomerInput } from "./customerForm";

type Customer = NonNullable<CustomerDetailQuery["customer"]>;

/** The customer's address on one line, or "—". */
export function formatAddress(address: Customer["address"]): string {
  if (!address) return "—";
  return [address.line1, address.line2, address.city, address.postalCode, address.country]
    .filter((part): part is string => Boolean(part))
    .join(", ");
}

/**
 * The Customer screen: facts, invoices, orders; the edit form (customers:write), "Delete
 * customer" (customers:delete) and "Place an order" (orders:write).
 */
export function CustomerDetailPage() {
  return (
    <RecordPage
      query={CustomerDetailDocument}
      pick={(data) => data.customer}
      title="Customer"
      back={{ to: "/customers", label: "Back to the customers" }}
    >
      {(customer, { error }) => <CustomerView customer={customer} error={error} />}
    </RecordPage>
  );
}

function CustomerView({
  customer,
  error,
}: {
  customer: Customer;
  error: CombinedError | undefined;
}) {
  const notice = noticeFrom(useLocation().state);
  return (
    <section>
      <h1>{customer.name}</h1>
      <Notice message={notice} />
      <ErrorMessage error={error} title="Some of the customer's data could not be loaded." />
      <section className="card" aria-label="Details">
        <dl className="facts">
          <dt>Email</dt>
          <dd data-testid="customer-email">{customer.email}</dd>
          <dt>Phone</dt>
          <dd>{customer.phone ?? "—"}</dd>
          <dt>Address</dt>
          <dd>{formatAddress(customer.address)}</dd>
          <dt>Created</dt>
          <dd>{formatDateTime(customer.createdAt)}</dd>
        </dl>
      </section>
      <CustomerActions customer={customer} />
      <InvoicesSection invoices={customer.invoices} />
      <OrdersSection orders={customer.orders} />
      <Can scope="customers:write">
        <CustomerEditSection customer={customer} />
      </Can>
    </section>
  );
}

/** "Place an order" (orders:write) and "Delete customer" (customers:delete), when allowed. */
function CustomerActions({ customer }: { customer: Customer }) {
  const { can } = useAuth();
  const placeOrder = can("orders:write") ? (
    <Link to={`/orders/new?customerId=${encodeURIComponent(customer.id)}`}>Place an order</Link>
  ) : null;
  if (!can("customers:delete")) {
    return placeOrder ? <div className="toolbar">{placeOrder}</div> : null;
  }
  return (
    <DeleteButton
      mutation={DeleteCustomerDocument}
      record={customer}
      noun="customer"
      typename="Customer"
      question={`Delete the customer ${customer.name}? This cannot be undone.`}
      listPath="/customers"
    >
      {placeOrder}
    </DeleteButton>
  );
}

function InvoicesSection({ invoices }: { invoices: Customer["invoices"] }) {
  return (
    <section>
      <h2>Invoices</h2>
      {invoices.length === 0 ? (
        <EmptyState>No invoices for this customer yet.</EmptyState>
      ) : (
        <table>
          <TableHead
            columns={[
              "Number",
              "Issued",
              numeric("Total"),
              numeric("Balance due"),
              "Status",
            ]}
          />
          <tbody>
            {invoices.map((invoice) => (
              <tr key={invoice.id}>
                <td>
                  <Link to={`/invoices/${encodeURIComponent(invoice.id)}`}>{invoice.number}</Link>
                </td>
                <td>{formatDate(invoice.issuedAt)}</td>
                <td className="num">{formatMoney(invoice.total)}</td>
                <td className="num">{formatMoney(invoice.balanceDue)}</td>
                <td>
                  <StatusBadge status={invoice.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OrdersSection({ orders }: { orders: Customer["orders"] }) {
  return (
    <section>
      <h2>Orders</h2>
      {orders.length === 0 ? (
        <EmptyState>No orders for this customer yet.</EmptyState>
      ) : (
        <table>
          <TableHead columns={["Number", "Placed", "Status"]} />
          <tbody>
            {orders.map((order) => (
              <tr key={order.id}>
                <td>
                  <Link to={`/orders/${encodeURIComponent(order.id)}`}>{order.number}</Link>
                </td>
                <td>{formatDateTime(order.placedAt)}</td>
                <td>
                  <StatusBadge status={order.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CustomerEditSection({ customer }: { customer: Customer }) {
  const initial = useMemo(() => customerFormValues(customer), [customer]);
  return (
    <EditSection
      mutation={UpdateCustomerDocument}
      id={customer.id}
      initial={initial}
      changes={(values) => toUpdateCustomerInput(initial, values)}
      form={(props) => <CustomerForm {...props} idPrefix="edit-customer" />}
    />
  );
}
