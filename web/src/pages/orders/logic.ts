// The order screens' logic, apart from React: the actions a status allows, the timeline, the
// new-order form's validation and running total, and OUT_OF_STOCK in words.
import type { CombinedError } from "urql";
import type { InvoiceStatus, OrderStatus } from "../../graphql/generated";
import { formatMoney, type Money } from "../../lib/money";

/** Every order status, in lifecycle order: the choices of the list's "Status" filter. */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  "PENDING",
  "CONFIRMED",
  "PAID",
  "SHIPPED",
  "DELIVERED",
  "CANCELLED",
];

/** Most lines an order may have (the orders subgraph's limit). */
export const MAX_LINES = 50;

/** Most units of one product an order may ask for, over all its lines. */
export const MAX_QUANTITY = 1000;

// --- the order screen ---------------------------------------------------------------------

/** What the order screen offers: pay (a link to the invoice), cancel, ship, deliver. */
export type OrderAction = "pay" | "cancel" | "ship" | "deliver";

/** The order fields the actions depend on. */
export interface OrderState {
  status: OrderStatus;
  invoice: { status: InvoiceStatus } | null;
}

/**
 * Whether the invoice is PAID while the order is still CONFIRMED: billing tells orders
 * asynchronously, so the order becomes PAID a moment later.
 */
export function awaitingPaidOrder(order: OrderState): boolean {
  return order.status === "CONFIRMED" && order.invoice?.status === "PAID";
}

/**
 * The actions the order's status allows, in display order: CONFIRMED -> pay (when there is an
 * invoice) and cancel; PAID -> ship; SHIPPED -> deliver; none otherwise, nor while the order
 * waits for billing's notice of a paid invoice.
 */
export function orderActions(order: OrderState): OrderAction[] {
  if (awaitingPaidOrder(order)) return [];
  switch (order.status) {
    case "CONFIRMED":
      return order.invoice ? ["pay", "cancel"] : ["cancel"];
    case "PAID":
      return ["ship"];
    case "SHIPPED":
      return ["deliver"];
    default:
      return [];
  }
}

/** The order's dates, one per lifecycle step. */
export interface OrderDates {
  placedAt: string;
  confirmedAt: string | null;
  paidAt: string | null;
  shippedAt: string | null;
  deliveredAt: string | null;
  cancelledAt: string | null;
}

/** One step of the timeline: its name and when it happened (ISO 8601). */
export interface TimelineStep {
  label: string;
  at: string;
}

/** The steps the order went through, in lifecycle order; only the dates that are set. */
export function orderTimeline(order: OrderDates): TimelineStep[] {
  const steps: [string, string | null][] = [
    ["Placed", order.placedAt],
    ["Confirmed", order.confirmedAt],
    ["Paid", order.paidAt],
    ["Shipped", order.shippedAt],
    ["Delivered", order.deliveredAt],
    ["Cancelled", order.cancelledAt],
  ];
  return steps.flatMap(([label, at]) => (at ? [{ label, at }] : []));
}

/** The unit price of `productId` on the invoice's lines; null without an invoice or line. */
export function unitPriceOf(
  productId: string,
  invoice: { items: readonly { product: { id: string }; unitPrice: Money }[] } | null,
): Money | null {
  return invoice?.items.find((item) => item.product.id === productId)?.unitPrice ?? null;
}

// --- the new-order form -------------------------------------------------------------------

/** A product as the form offers it. */
export interface ProductChoice {
  id: string;
  name: string;
  price: Money;
  /** Units that can be reserved now. */
  available: number;
}

/** One line of the form as typed: `key` tells lines apart, the rest is the fields' text. */
export interface OrderLine {
  key: number;
  productId: string;
  quantity: string;
}

/** The messages of one line's fields. */
export interface LineErrors {
  product?: string;
  quantity?: string;
}

/** The form's messages: the customer, the lines as a whole, and each line by its key. */
export interface OrderFormErrors {
  customer?: string;
  lines?: string;
  byLine: Record<number, LineErrors>;
}

/** An order ready to send (placeOrder's variables but the key), or the messages to show. */
export type OrderValidation =
  | { ok: true; customerId: string; items: { productId: string; quantity: number }[] }
  | { ok: false; errors: OrderFormErrors };

/** A quantity typed by a person: a whole number from 1 to 1000, or the message to show. */
export function parseQuantity(
  text: string,
): { ok: true; value: number } | { ok: false; error: string } {
  const cleaned = text.trim();
  if (!/^\d+$/.test(cleaned)) return { ok: false, error: "Enter a whole number from 1 to 1000." };
  const value = Number(cleaned);
  if (value < 1 || value > MAX_QUANTITY) {
    return { ok: false, error: "Enter a whole number from 1 to 1000." };
  }
  return { ok: true, value };
}

function units(count: number): string {
  return count === 1 ? "1 unit" : `${count} units`;
}

/** The message for asking `requested` units of a product that has `available` ones. */
export function notAvailableMessage(name: string, available: number, requested: number): string {
  if (available <= 0) return `No units of ${name} are available (${requested} asked for).`;
  const verb = available === 1 ? "is" : "are";
  return `Only ${units(available)} of ${name} ${verb} available (${requested} asked for).`;
}

/**
 * Checks the new-order form before it is sent: a customer is chosen; there is at least one
 * line (at most 50); each line has a product and a quantity from 1 to 1000; and no product is
 * asked for more units than it has available (lines of the same product are added up, as the
 * server does). `products` are the choices the form offered; a product missing from them is
 * left for the server to check.
 */
export function validateOrder(
  customerId: string | null,
  lines: readonly OrderLine[],
  products: readonly ProductChoice[],
): OrderValidation {
  const errors: OrderFormErrors = { byLine: {} };
  if (!customerId) errors.customer = "Choose a customer.";
  if (lines.length === 0) errors.lines = "Add at least one product.";
  if (lines.length > MAX_LINES) errors.lines = `At most ${MAX_LINES} lines per order.`;

  const items: { productId: string; quantity: number }[] = [];
  const totals = new Map<string, number>();
  for (const line of lines) {
    const lineErrors: LineErrors = {};
    if (!line.productId) lineErrors.product = "Choose a product.";
    const quantity = parseQuantity(line.quantity);
    if (!quantity.ok) lineErrors.quantity = quantity.error;
    if (lineErrors.product || lineErrors.quantity) {
      errors.byLine[line.key] = lineErrors;
    } else if (quantity.ok) {
      items.push({ productId: line.productId, quantity: quantity.value });
      totals.set(line.productId, (totals.get(line.productId) ?? 0) + quantity.value);
    }
  }

  for (const line of lines) {
    if (errors.byLine[line.key]) continue;
    const requested = totals.get(line.productId) ?? 0;
    const product = products.find((item) => item.id === line.productId);
    let message: string | undefined;
    if (requested > MAX_QUANTITY) {
      const name = product?.name ?? "a product";
      message = `At most ${MAX_QUANTITY} units of ${name} per order (${requested} asked for).`;
    } else if (product && requested > product.available) {
      message = notAvailableMessage(product.name, product.available, requested);
    }
    if (message) errors.byLine[line.key] = { quantity: message };
  }

  const valid =
    errors.customer === undefined &&
    errors.lines === undefined &&
    Object.keys(errors.byLine).length === 0;
  if (!valid || !customerId) return { ok: false, errors };
  return { ok: true, customerId, items };
}

/**
 * The running total of the form: price times quantity of every line with a product and a
 * valid quantity, one sum per currency (in the order the currencies first appear).
 */
export function orderTotals(
  lines: readonly OrderLine[],
  products: readonly ProductChoice[],
): Money[] {
  const sums = new Map<string, number>();
  for (const line of lines) {
    const product = products.find((item) => item.id === line.productId);
    const quantity = parseQuantity(line.quantity);
    if (!product || !quantity.ok) continue;
    const { currency, amount } = product.price;
    sums.set(currency, (sums.get(currency) ?? 0) + amount * quantity.value);
  }
  return [...sums].map(([currency, amount]) => ({ amount, currency }));
}

/** Totals as one line for people: "$12.50", "$12.50 + €3.00", or "—" for none. */
export function formatTotals(totals: readonly Money[]): string {
  return totals.length === 0 ? "—" : totals.map((total) => formatMoney(total)).join(" + ");
}

/** A product in the option text of the product picker: "Widget — $12.50 — 8 available". */
export function productOptionLabel(product: ProductChoice): string {
  return `${product.name} — ${formatMoney(product.price)} — ${product.available} available`;
}

/** One entry of OUT_OF_STOCK's `extensions.items`. */
export interface StockShortage {
  productId: string;
  requested: number;
  available: number;
}

/** Reads OUT_OF_STOCK's `extensions.items`, skipping entries that are not shortages. */
export function readShortages(items: unknown): StockShortage[] {
  if (!Array.isArray(items)) return [];
  const shortages: StockShortage[] = [];
  for (const item of items as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const { productId, requested, available } = item as Record<string, unknown>;
    if (
      (typeof productId === "string" || typeof productId === "number") &&
      typeof requested === "number" &&
      typeof available === "number"
    ) {
      shortages.push({ productId: String(productId), requested, available });
    }
  }
  return shortages;
}

/**
 * The OUT_OF_STOCK error of `error` in words, naming each product (by its name in `products`,
 * else by id) and how many units are available, e.g. "Not enough stock: Widget (2 available,
 * 5 requested); Gadget (none available, 1 requested)."; null when there is no such error.
 */
export function outOfStockMessage(
  error: CombinedError | undefined,
  products: readonly { id: string; name: string }[],
): string | null {
  const outOfStock = error?.graphQLErrors.find((item) => item.extensions?.code === "OUT_OF_STOCK");
  if (!outOfStock) return null;
  const shortages = readShortages(outOfStock.extensions.items);
  if (shortages.length === 0) return "Not enough stock for this order.";
  const parts = shortages.map((shortage) => {
    const name =
      products.find((product) => product.id === shortage.productId)?.name ??
      `product ${shortage.productId}`;
    const available = shortage.available <= 0 ? "none" : String(shortage.available);
    return `${name} (${available} available, ${shortage.requested} requested)`;
  });
  return `Not enough stock: ${parts.join("; ")}.`;
}

/**
 * A fresh idempotency key for a new-order form: `crypto.randomUUID()`, or a version 4 UUID made
 * from `crypto.getRandomValues` where randomUUID is missing (pages served over plain http from
 * another host are not a secure context).
 */
export function newIdempotencyKey(source: Crypto = globalThis.crypto): string {
  if (typeof source.randomUUID === "function") return source.randomUUID();
  const bytes = source.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const groups = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20)];
  return [...groups, hex.slice(20)].join("-");
}
