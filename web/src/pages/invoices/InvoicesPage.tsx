// /invoices: every invoice with its customer and lines, a page at a time, by status.
import { useState } from "react";
import { Link } from "react-router-dom";
import { useQuery } from "urql";
import { Pager, useCursorPager } from "../../components/Pager";
import { EmptyState, ErrorMessage, Loading } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import { InvoiceListDocument, type InvoiceStatus } from "../../graphql/generated";
import { formatDate } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { INVOICE_STATUSES, PAGE_SIZES, asInvoiceStatus, itemSummary } from "./logic";

/** The invoice list: "Status" and "Per page" filters, a table, paging. */
export function InvoicesPage() {
  const [status, setStatus] = useState<InvoiceStatus | undefined>(undefined);
  const [perPage, setPerPage] = useState<number>(PAGE_SIZES[0] ?? 20);
  const pager = useCursorPager();
  const [result] = useQuery({
    query: InvoiceListDocument,
    variables: { first: perPage, after: pager.after ?? null, status: status ?? null },
  });
  const connection = result.data?.invoices;

  return (
    <section>
      <h1>Invoices</h1>
      <div className="toolbar">
        <label htmlFor="invoice-status-filter">Status</label>
        <select
          id="invoice-status-filter"
          value={status ?? ""}
          onChange={(event) => {
            setStatus(asInvoiceStatus(event.target.value));
            pager.reset();
          }}
        >
          <option value="">All</option>
          {INVOICE_STATUSES.map((item) => (
            <option key={item} value={item}>
              {item}
            </option>
          ))}
        </select>
        <label htmlFor="invoice-page-size">Per page</label>
        <select
          id="invoice-page-size"
          value={perPage}
          onChange={(event) => {
            setPerPage(Number(event.target.value));
            pager.reset();
          }}
        >
          {PAGE_SIZES.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={result.error} title="The invoices could not be loaded." />
      {!connection && result.fetching ? <Loading what="Loading invoices" /> : null}
      {connection && connection.nodes.length === 0 ? (
        <EmptyState>{status ? `No ${status} invoices.` : "No invoices yet."}</EmptyState>
      ) : null}
      {connection && connection.nodes.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Customer</th>
              <th scope="col">Items</th>
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
            {connection.nodes.map((invoice) => (
              <tr key={invoice.id}>
                <td>
                  <Link to={`/invoices/${invoice.id}`}>{invoice.number}</Link>
                </td>
                <td>
                  <Link to={`/customers/${invoice.customer.id}`}>{invoice.customer.name}</Link>
                </td>
                <td>{itemSummary(invoice.items)}</td>
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
      ) : null}
      {connection ? (
        <Pager pager={pager} pageInfo={connection.pageInfo} totalCount={connection.totalCount} />
      ) : null}
    </section>
  );
}
