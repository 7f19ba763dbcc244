// /orders: the orders, a page at a time, by status; the way to place a new one.
import { useState } from "react";
import { Link } from "react-router-dom";
import { useQuery } from "urql";
import { Pager, useCursorPager } from "../../components/Pager";
import { EmptyState, ErrorMessage, Loading } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import { OrderListDocument, type OrderStatus } from "../../graphql/generated";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { ORDER_STATUSES, asOrderStatus } from "./logic";

const PAGE_SIZE = 20;

function unitCount(items: readonly { quantity: number }[]): number {
  return items.reduce((sum, item) => sum + item.quantity, 0);
}

/** The order list: a "Status" filter, a table, paging, and "Place an order". */
export function OrdersPage() {
  const [status, setStatus] = useState<OrderStatus | undefined>(undefined);
  const pager = useCursorPager();
  const [result] = useQuery({
    query: OrderListDocument,
    variables: { first: PAGE_SIZE, after: pager.after ?? null, status: status ?? null },
  });
  const connection = result.data?.orders;

  return (
    <section>
      <h1>Orders</h1>
      <div className="toolbar">
        <label htmlFor="order-status-filter">Status</label>
        <select
          id="order-status-filter"
          value={status ?? ""}
          onChange={(event) => {
            setStatus(asOrderStatus(event.target.value));
            pager.reset();
          }}
        >
          <option value="">All</option>
          {ORDER_STATUSES.map((item) => (
            <option key={item} value={item}>
              {item}
            </option>
          ))}
        </select>
        <Link to="/orders/new">Place an order</Link>
      </div>
      <ErrorMessage error={result.error} title="The orders could not be loaded." />
      {!connection && result.fetching ? <Loading what="Loading orders" /> : null}
      {connection && connection.nodes.length === 0 ? (
        <EmptyState>{status ? `No ${status} orders.` : "No orders yet."}</EmptyState>
      ) : null}
      {connection && connection.nodes.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Customer</th>
              <th scope="col">Placed</th>
              <th scope="col" className="num">
                Items
              </th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
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
                <td className="num">{order.invoice ? formatMoney(order.invoice.total) : "—"}</td>
                <td>
                  <StatusBadge status={order.status} />
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
