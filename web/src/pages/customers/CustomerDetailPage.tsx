// /customers/:id: the customer's facts, invoices (billing) and orders (orders) in one federated
// query; edit, delete, and a link to place an order.
import { useMemo, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { useMutation, useQuery, type CombinedError } from "urql";
import { EmptyState, ErrorMessage, Loading } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import {
  CustomerDetailDocument,
  DeleteCustomerDocument,
  UpdateCustomerDocument,
  type CustomerDetailQuery,
} from "../../graphql/generated";
import { formatDate, formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { CustomerForm } from "./CustomerForm";
import { customerFormValues, toUpdateCustomerInput, type CustomerFormValues } from "./customerForm";
import { isNotFound } from "./notFound";
import { noticeFrom, withNotice } from "./routeNotice";

type Customer = NonNullable<CustomerDetailQuery["customer"]>;

/** The customer's address on one line, or "—". */
export function formatAddress(address: Customer["address"]): string {
  if (!address) return "—";
  return [address.line1, address.line2, address.city, address.postalCode, address.country]
    .filter((part): part is string => Boolean(part))
    .join(", ");
}

/** The Customer screen: facts, invoices, orders, edit form, delete button. */
export function CustomerDetailPage() {
  const { id = "" } = useParams();
  const location = useLocation();
  const [result] = useQuery({ query: CustomerDetailDocument, variables: { id } });
  const customer = result.data?.customer;

  if (customer === undefined) {
    if (result.error) {
      return (
        <section>
          <h1>Customer</h1>
          <ErrorMessage error={result.error} title="The customer could not be loaded." />
        </section>
      );
    }
    return (
      <section>
        <h1>Customer</h1>
        <Loading what="Loading the customer" />
      </section>
    );
  }
  if (customer === null) {
    return (
      <section>
        <h1>Customer not found</h1>
        {isNotFound(customer, result.error) ? (
          <EmptyState action={<Link to="/customers">Back to the customers</Link>}>
            No customer with id {id}.
          </EmptyState>
        ) : (
          <ErrorMessage error={result.error} title="The customer could not be loaded." />
        )}
      </section>
    );
  }
  return (
    <CustomerView customer={customer} error={result.error} notice={noticeFrom(location.state)} />
  );
}

function CustomerView({
  customer,
  error,
  notice,
}: {
  customer: Customer;
  error: CombinedError | undefined;
  notice: string | null;
}) {
  return (
    <section>
      <h1>{customer.name}</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
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
      <EditSection customer={customer} />
    </section>
  );
}

function CustomerActions({ customer }: { customer: Customer }) {
  const navigate = useNavigate();
  const [result, deleteCustomer] = useMutation(DeleteCustomerDocument);

  async function remove() {
    if (!window.confirm(`Delete the customer ${customer.name}? This cannot be undone.`)) return;
    const outcome = await deleteCustomer(
      { id: customer.id },
      { additionalTypenames: ["Customer"] },
    );
    if (!outcome.error) {
      navigate("/customers", { state: withNotice(`Customer ${customer.name} deleted.`) });
    }
  }

  return (
    <>
      <div className="toolbar">
        <Link to={`/orders/new?customerId=${encodeURIComponent(customer.id)}`}>Place an order</Link>
        <button
          type="button"
          className="danger"
          disabled={result.fetching}
          onClick={() => void remove()}
        >
          Delete customer
        </button>
      </div>
      <ErrorMessage error={result.error} title="The customer was not deleted." />
    </>
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
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Issued</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col" className="num">
                Balance due
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
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
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Placed</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
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

function EditSection({ customer }: { customer: Customer }) {
  const [result, updateCustomer] = useMutation(UpdateCustomerDocument);
  const [notice, setNotice] = useState<string | null>(null);
  const initial = useMemo(() => customerFormValues(customer), [customer]);

  async function submit(values: CustomerFormValues) {
    const input = toUpdateCustomerInput(initial, values);
    if (Object.keys(input).length === 0) {
      setNotice("Nothing changed.");
      return;
    }
    setNotice(null);
    const outcome = await updateCustomer({ id: customer.id, input });
    if (!outcome.error) setNotice("Changes saved.");
  }

  return (
    <section className="card">
      <h2>Edit</h2>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <CustomerForm
        key={JSON.stringify(initial)}
        initial={initial}
        submitLabel="Save changes"
        onSubmit={(values) => void submit(values)}
        busy={result.fetching}
        error={result.error}
        idPrefix="edit-customer"
      />
    </section>
  );
}
