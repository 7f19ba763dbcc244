// /invoices: every invoice with its customer and lines, a page at a time, by status.
import { Link } from "react-router-dom";
import { useQuery } from "urql";
import { FilterSelect } from "../../components/FilterSelect";
import { Pager, useCursorPager, useListFilter } from "../../components/Pager";
import { ListState } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import { numeric, TableHead } from "../../components/TableHead";
import { InvoiceListDocument, type InvoiceStatus } from "../../graphql/generated";
import { formatDate } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { INVOICE_STATUSES, PAGE_SIZES, itemSummary } from "./logic";

const DEFAULT_PAGE_SIZE = PAGE_SIZES[0] ?? 20;

/** The invoice list: "Status" and "Per page" filters, a table, paging. */
export function InvoicesPage() {
  const pager = useCursorPager();
  const [status, setStatus] = useListFilter<InvoiceStatus | undefined>(pager, undefined);
  const [perPage, setPerPage] = useListFilter(pager, DEFAULT_PAGE_SIZE);
  const [result] = useQuery({
    query: InvoiceListDocument,
    variables: { first: perPage, after: pager.after ?? null, status: status ?? null },
  });

  return (
    <section>
      <h1>Invoices</h1>
      <div className="toolbar">
        <FilterSelect
          id="invoice-status-filter"
          label="Status"
          all="All"
          choices={INVOICE_STATUSES}
          value={status}
          onChange={setStatus}
        />
        <FilterSelect
          id="invoice-page-size"
          label="Per page"
          choices={PAGE_SIZES}
          value={perPage}
          onChange={(choice) => setPerPage(choice ?? DEFAULT_PAGE_SIZE)}
        />
      </div>
      <ListState
        result={result}
        connection={result.data?.invoices}
        what="invoices"
        empty={status ? `No ${status} invoices.` : "No invoices yet."}
      >
        {(connection) => (
          <table>
            <TableHead
              columns={[
                "Number",
                "Customer",
                "Items",
                "Issued",
                numeric("Total"),
                numeric("Balance due"),
                "Status",
              ]}
            />
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
        )}
      </ListState>
      {result.data ? (
        <Pager
          pager={pager}
          pageInfo={result.data.invoices.pageInfo}
          totalCount={result.data.invoices.totalCount}
        />
      ) : null}
    </section>
  );
}
