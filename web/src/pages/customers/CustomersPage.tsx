// /customers: search, a page of customers, cursor paging.
import { Link, useLocation } from "react-router-dom";
import { useQuery } from "urql";
import { Can } from "../../auth";
import { Pager, useCursorPager } from "../../components/Pager";
import { ListState, Notice } from "../../components/QueryState";
import { SearchBox, useDebouncedSearch } from "../../components/SearchBox";
import { TableHead } from "../../components/TableHead";
import { CustomerListDocument } from "../../graphql/generated";
import { formatDate } from "../../lib/dates";
import { noticeFrom } from "../../lib/routeNotice";

/** Customers a page. */
export const CUSTOMERS_PAGE_SIZE = 20;

/**
 * The Customers screen: a search box (name or email), the table and the pager; "New customer"
 * with customers:write.
 */
export function CustomersPage() {
  const pager = useCursorPager();
  const searchBox = useDebouncedSearch({ pager });
  const { search } = searchBox;
  const notice = noticeFrom(useLocation().state);
  const [result] = useQuery({
    query: CustomerListDocument,
    variables: { first: CUSTOMERS_PAGE_SIZE, after: pager.after ?? null, search: search ?? null },
  });

  return (
    <section>
      <h1>Customers</h1>
      <Notice message={notice} />
      <div className="toolbar">
        <SearchBox id="customer-search" placeholder="Name or email" search={searchBox} />
        <Can scope="customers:write">
          <Link to="/customers/new">New customer</Link>
        </Can>
      </div>
      <ListState
        result={result}
        connection={result.data?.customers}
        what="customers"
        empty={search ? `No customers match “${search}”.` : "No customers yet."}
      >
        {(connection) => (
          <>
            <table>
              <TableHead columns={["Name", "Email", "Phone", "Created"]} />
              <tbody>
                {connection.nodes.map((customer) => (
                  <tr key={customer.id}>
                    <td>
                      <Link to={`/customers/${encodeURIComponent(customer.id)}`}>
                        {customer.name}
                      </Link>
                    </td>
                    <td>{customer.email}</td>
                    <td>{customer.phone ?? "—"}</td>
                    <td>{formatDate(customer.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager
              pager={pager}
              pageInfo={connection.pageInfo}
              totalCount={connection.totalCount}
            />
          </>
        )}
      </ListState>
    </section>
  );
}
