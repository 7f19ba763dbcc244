// /customers: search, a page of customers, cursor paging.
import { Link, useLocation } from "react-router-dom";
import { useQuery } from "urql";
import { Pager, useCursorPager } from "../../components/Pager";
import { EmptyState, ErrorMessage, Loading } from "../../components/QueryState";
import { CustomerListDocument } from "../../graphql/generated";
import { formatDate } from "../../lib/dates";
import { noticeFrom } from "./routeNotice";
import { useDebouncedSearch } from "./useDebouncedSearch";

/** Customers a page. */
export const CUSTOMERS_PAGE_SIZE = 20;

/** The Customers screen: a search box (name or email), the table and the pager. */
export function CustomersPage() {
  const pager = useCursorPager();
  const { text, setText, search } = useDebouncedSearch(pager);
  const notice = noticeFrom(useLocation().state);
  const [result] = useQuery({
    query: CustomerListDocument,
    variables: { first: CUSTOMERS_PAGE_SIZE, after: pager.after ?? null, search: search ?? null },
  });
  const connection = result.data?.customers;

  return (
    <section>
      <h1>Customers</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div className="toolbar">
        <label htmlFor="customer-search">Search</label>
        <input
          id="customer-search"
          type="search"
          value={text}
          placeholder="Name or email"
          onChange={(event) => setText(event.target.value)}
        />
        <Link to="/customers/new">New customer</Link>
      </div>
      <ErrorMessage error={result.error} title="The customers could not be loaded." />
      {!connection ? (
        result.fetching ? <Loading what="Loading customers" /> : null
      ) : connection.nodes.length === 0 ? (
        <EmptyState>
          {search ? `No customers match “${search}”.` : "No customers yet."}
        </EmptyState>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
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
          <Pager pager={pager} pageInfo={connection.pageInfo} totalCount={connection.totalCount} />
        </>
      )}
    </section>
  );
}
