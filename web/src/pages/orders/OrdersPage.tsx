// /orders: the orders, a page at a time, by status; the way to place a new one.
import { Link } from "react-router-dom";
import { useQuery } from "urql";
import { Can } from "../../auth";
import { FilterSelect } from "../../components/FilterSelect";
import { Pager, useCursorPager, useListFilter } from "../../components/Pager";
import { ListState } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import { numeric, TableHead } from "../../components/TableHead";
import { OrderListDocument, type OrderStatus } from "../../graphql/generated";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { ORDER_STATUSES } from "./logic";

const PAGE_SIZE = 20;

function unitCount(items: readonly { quantity: number }[]): number {
  return items.reduce((sum, item) => sum + item.quantity, 0);
}

/** The order list: a "Status" filter, a table, paging, and "Place an order" (orders:write). */
export function OrdersPage() {
  const pager = useCursorPager();
  const [status, setStatus] = useListFilter<OrderStatus | undefined>(pager, undefined);
  const [result] = useQuery({
    query: OrderListDocument,
    variables: { first: PAGE_SIZE, after: pager.after ?? null, status: status ?? null },
  });

  return (
    <section>
      <h1>Orders</h1>
      <div className="toolbar">
        <FilterSelect
          id="order-status-filter"
          label="Status"
          all="All"
          choices={ORDER_STATUSES}
          value={status}
          onChange={setStatus}
        />
        <Can scope="orders:write">
          <Link to="/orders/new">Place an order</Link>
        </Can>
      </div>
      <ListState
        result={result}
        connection={result.data?.orders}
        what="orders"
        empty={status ? `No ${status} orders.` : "No orders yet."}
      >
        {(connection) => (
          <table>
            <TableHead
              columns={[
                "Number",
                "Customer",
                "Placed",
                numeric("Items"),
                numeric("Total"),
                "Status",
              ]}
            />
            <tbody>
              {connection.nodes.map((order) => (
                <tr key={order.id}>
                  <td>
                    <Link to={`/orders/${order.id}`}>{order.number}</Link>
                  </td>
                  <td>
                    <Link to={`/customers/${order.customer.id}`}>{order.customer.name}</Link>
                  </td>
                  <td>{formatDateTime(order.placedAt)}</td>
                  <td className="num" title={`${unitCount(order.items)} units`}>
                    {order.items.length}
                  </td>
                  <td className="num">
                    {order.invoice ? formatMoney(order.invoice.total) : "—"}
                  </td>
                  <td>
                    <StatusBadge status={order.status} />
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
          pageInfo={result.data.orders.pageInfo}
          totalCount={result.data.orders.totalCount}
        />
      ) : null}
    </section>
  );
}
