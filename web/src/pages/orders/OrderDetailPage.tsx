// /orders/:id: one order, its timeline, lines and invoice, and the next step of its lifecycle.
import { Fragment, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { useMutation, type CombinedError } from "urql";
import { useAuth, type Scope } from "../../auth";
import { EmptyState, ErrorMessage, Notice } from "../../components/QueryState";
import { RecordPage, type RecordView } from "../../components/RecordPage";
import { StatusBadge } from "../../components/StatusBadge";
import { numeric, TableHead } from "../../components/TableHead";
import {
  OrderDetailCancelDocument,
  OrderDetailDeliverDocument,
  OrderDetailDocument,
  OrderDetailShipDocument,
  type OrderDetailFieldsFragment,
} from "../../graphql/generated";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import {
  awaitingPaidOrder,
  orderActions,
  orderTimeline,
  unitPriceOf,
  type OrderAction,
} from "./logic";

/** How often the screen asks for the order while billing's notice of payment is on its way. */
const POLL_INTERVAL_MS = 1000;

type Mutating = Exclude<OrderAction, "pay">;

const DONE: Record<Mutating, string> = {
  ship: "Order shipped.",
  deliver: "Order marked delivered.",
  cancel: "Order cancelled: its invoice is void and its stock released.",
};

const FAILED: Record<Mutating, string> = {
  ship: "The order was not shipped.",
  deliver: "The order was not marked delivered.",
  cancel: "The order was not cancelled.",
};

/** The order screen for the `:id` of the route. */
export function OrderDetailPage() {
  return (
    <RecordPage
      query={OrderDetailDocument}
      pick={(data) => data.order}
      title="Order"
      back={{ to: "/orders", label: "All orders" }}
    >
      {(order, view) => <OrderView order={order} {...view} />}
    </RecordPage>
  );
}

function OrderView({
  order,
  error,
  refresh,
}: RecordView & { order: OrderDetailFieldsFragment }) {
  const [shipResult, shipOrder] = useMutation(OrderDetailShipDocument);
  const [deliverResult, deliverOrder] = useMutation(OrderDetailDeliverDocument);
  const [cancelResult, cancelOrder] = useMutation(OrderDetailCancelDocument);
  const { can } = useAuth();
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ action: Mutating; error: CombinedError } | null>(null);
  const awaiting = awaitingPaidOrder(order);

  // The invoice is PAID but billing's notice has not reached orders yet: ask again every
  // second until the order's status moves on.
  useEffect(() => {
    if (!awaiting) return undefined;
    const timer = window.setInterval(refresh, POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [awaiting, refresh]);

  const busy = shipResult.fetching || deliverResult.fetching || cancelResult.fetching;

  async function run(action: Mutating): Promise<void> {
    const question = `Cancel order ${order.number}? Its invoice will be voided.`;
    if (action === "cancel" && !window.confirm(question)) return;
    setNotice(null);
    setFailure(null);
    const variables = { id: order.id };
    const response =
      action === "ship"
        ? await shipOrder(variables)
        : action === "deliver"
          ? await deliverOrder(variables)
          : await cancelOrder(variables);
    if (response.error) {
      setFailure({ action, error: response.error });
      // The order moved on elsewhere (CONFLICT): show where it is now.
      refresh();
    } else {
      setNotice(DONE[action]);
    }
  }

  const actions = allowedActions(orderActions(order), can);
  const timeline = orderTimeline(order);
  return (
    <section>
      <h1>Order {order.number}</h1>
      <p>
        <StatusBadge status={order.status} testId="order-status" />
      </p>
      <Notice message={notice} />
      <Notice message={awaiting ? "Payment received; updating the order…" : null} />
      <ErrorMessage error={error} />
      <dl className="facts card">
        <dt>Customer</dt>
        <dd>
          <Link to={`/customers/${order.customer.id}`}>{order.customer.name}</Link>
        </dd>
      </dl>

      <h2>Timeline</h2>
      <dl className="facts card" aria-label="Timeline">
        {timeline.map((step) => (
          <Fragment key={step.label}>
            <dt>{step.label}</dt>
            <dd>{formatDateTime(step.at)}</dd>
          </Fragment>
        ))}
      </dl>

      <h2>Items</h2>
      <OrderItemsTable order={order} />

      <h2>Invoice</h2>
      {order.invoice ? (
        <p>
          <Link to={`/invoices/${order.invoice.id}`}>Invoice {order.invoice.number}</Link>{" "}
          <StatusBadge status={order.invoice.status} /> · Balance due{" "}
          {formatMoney(order.invoice.balanceDue)}
        </p>
      ) : (
        <EmptyState>No invoice yet.</EmptyState>
      )}

      {actions.length > 0 ? (
        <div className="toolbar" role="group" aria-label="Actions">
          {actions.map((action) => (
            <ActionControl
              key={action}
              action={action}
              invoiceId={order.invoice?.id ?? null}
              disabled={busy}
              onRun={(mutating) => void run(mutating)}
            />
          ))}
        </div>
      ) : null}
      {failure ? <ErrorMessage error={failure.error} title={FAILED[failure.action]} /> : null}
    </section>
  );
}

/** The scope each action of an order needs: paying is billing's, the rest orders'. */
const ACTION_SCOPES: Record<OrderAction, Scope> = {
  pay: "billing:write",
  ship: "orders:write",
  deliver: "orders:write",
  cancel: "orders:write",
};

/** The actions of `actions` the signed-in person may take (`can` answers for a scope). */
export function allowedActions(
  actions: readonly OrderAction[],
  can: (scope: Scope) => boolean,
): OrderAction[] {
  return actions.filter((action) => can(ACTION_SCOPES[action]));
}

function ActionControl({
  action,
  invoiceId,
  disabled,
  onRun,
}: {
  action: OrderAction;
  invoiceId: string | null;
  disabled: boolean;
  onRun: (action: Mutating) => void;
}) {
  switch (action) {
    case "pay":
      return invoiceId ? <Link to={`/invoices/${invoiceId}`}>Pay invoice</Link> : null;
    case "cancel":
      return (
        <button
          type="button"
          className="danger"
          disabled={disabled}
          onClick={() => onRun("cancel")}
        >
          Cancel order
        </button>
      );
    case "ship":
      return (
        <button type="button" disabled={disabled} onClick={() => onRun("ship")}>
          Ship order
        </button>
      );
    case "deliver":
      return (
        <button type="button" disabled={disabled} onClick={() => onRun("deliver")}>
          Mark delivered
        </button>
      );
  }
}

function OrderItemsTable({ order }: { order: OrderDetailFieldsFragment }) {
  if (order.items.length === 0) return <EmptyState>This order has no lines.</EmptyState>;
  return (
    <table>
      <TableHead columns={["Product", numeric("Quantity"), numeric("Unit price")]} />
      <tbody>
        {order.items.map((item) => {
          const unitPrice = unitPriceOf(item.product.id, order.invoice);
          return (
            <tr key={item.product.id}>
              <td>
                <Link to={`/products/${item.product.id}`}>{item.product.name}</Link>
              </td>
              <td className="num">{item.quantity}</td>
              <td className="num">{unitPrice ? formatMoney(unitPrice) : "—"}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
