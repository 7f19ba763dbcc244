import { CombinedError } from "urql";
import { describe, expect, it } from "vitest";
import {
  awaitingPaidOrder,
  formatTotals,
  newIdempotencyKey,
  orderActions,
  orderTimeline,
  orderTotals,
  outOfStockMessage,
  parseQuantity,
  productOptionLabel,
  readShortages,
  unitPriceOf,
  validateOrder,
  type OrderLine,
  type ProductChoice,
} from "./logic";

const widget: ProductChoice = {
  id: "1",
  name: "Widget",
  price: { amount: 1250, currency: "USD" },
  available: 5,
};
const gadget: ProductChoice = {
  id: "2",
  name: "Gadget",
  price: { amount: 300, currency: "USD" },
  available: 1,
};
const PRODUCTS = [widget, gadget];

function line(key: number, productId: string, quantity: string): OrderLine {
  return { key, productId, quantity };
}

describe("orderActions", () => {
  it("offers the next step of each status", () => {
    const invoice = { status: "OPEN" as const };
    expect(orderActions({ status: "CONFIRMED", invoice })).toEqual(["pay", "cancel"]);
    expect(orderActions({ status: "PAID", invoice: { status: "PAID" } })).toEqual(["ship"]);
    expect(orderActions({ status: "SHIPPED", invoice: { status: "PAID" } })).toEqual(["deliver"]);
    expect(orderActions({ status: "DELIVERED", invoice: { status: "PAID" } })).toEqual([]);
    expect(orderActions({ status: "CANCELLED", invoice: { status: "VOID" } })).toEqual([]);
    expect(orderActions({ status: "PENDING", invoice: null })).toEqual([]);
  });

  it("offers no payment link without an invoice", () => {
    expect(orderActions({ status: "CONFIRMED", invoice: null })).toEqual(["cancel"]);
  });

  it("offers nothing while a paid invoice's notice is on its way", () => {
    const order = { status: "CONFIRMED" as const, invoice: { status: "PAID" as const } };
    expect(awaitingPaidOrder(order)).toBe(true);
    expect(orderActions(order)).toEqual([]);
    expect(awaitingPaidOrder({ status: "PAID", invoice: { status: "PAID" } })).toBe(false);
    expect(awaitingPaidOrder({ status: "CONFIRMED", invoice: { status: "OPEN" } })).toBe(false);
  });
});

describe("orderTimeline", () => {
  it("keeps only the dates that are set, in lifecycle order", () => {
    const timeline = orderTimeline({
      placedAt: "2026-01-01T10:00:00Z",
      confirmedAt: "2026-01-01T10:00:01Z",
      paidAt: null,
      shippedAt: null,
      deliveredAt: null,
      cancelledAt: "2026-01-02T09:00:00Z",
    });
    expect(timeline).toEqual([
      { label: "Placed", at: "2026-01-01T10:00:00Z" },
      { label: "Confirmed", at: "2026-01-01T10:00:01Z" },
      { label: "Cancelled", at: "2026-01-02T09:00:00Z" },
    ]);
  });
});

describe("unitPriceOf", () => {
  it("takes the unit price from the invoice's line of the product", () => {
    const unitPrice = { amount: 999, currency: "USD" };
    const invoice = { items: [{ product: { id: "1" }, unitPrice }] };
    expect(unitPriceOf("1", invoice)).toEqual(unitPrice);
    expect(unitPriceOf("2", invoice)).toBeNull();
    expect(unitPriceOf("1", null)).toBeNull();
  });
});

describe("parseQuantity", () => {
  it("takes whole numbers from 1 to 1000", () => {
    expect(parseQuantity(" 3 ")).toEqual({ ok: true, value: 3 });
    expect(parseQuantity("1000")).toEqual({ ok: true, value: 1000 });
    for (const bad of ["", "0", "1001", "2.5", "-1", "x"]) {
      expect(parseQuantity(bad)).toEqual({
        ok: false,
        error: "Enter a whole number from 1 to 1000.",
      });
    }
  });
});

describe("validateOrder", () => {
  it("returns placeOrder's customer and items for a good form", () => {
    const result = validateOrder("7", [line(1, "1", "2"), line(2, "2", "1")], PRODUCTS);
    expect(result).toEqual({
      ok: true,
      customerId: "7",
      items: [
        { productId: "1", quantity: 2 },
        { productId: "2", quantity: 1 },
      ],
    });
  });

  it("asks for a customer and at least one line", () => {
    expect(validateOrder(null, [], PRODUCTS)).toEqual({
      ok: false,
      errors: { customer: "Choose a customer.", lines: "Add at least one product.", byLine: {} },
    });
  });

  it("asks each line for a product and a quantity from 1 to 1000", () => {
    const result = validateOrder("7", [line(1, "", "1"), line(4, "1", "0")], PRODUCTS);
    expect(result).toEqual({
      ok: false,
      errors: {
        byLine: {
          1: { product: "Choose a product." },
          4: { quantity: "Enter a whole number from 1 to 1000." },
        },
      },
    });
  });

  it("refuses more units than available, naming the product", () => {
    const result = validateOrder("7", [line(1, "1", "6"), line(2, "2", "1")], PRODUCTS);
    expect(result).toEqual({
      ok: false,
      errors: {
        byLine: { 1: { quantity: "Only 5 units of Widget are available (6 asked for)." } },
      },
    });
    const none = validateOrder("7", [line(1, "1", "1")], [{ ...widget, available: 0 }]);
    expect(none.ok ? null : none.errors.byLine[1]?.quantity).toBe(
      "No units of Widget are available (1 asked for).",
    );
  });

  it("adds up the lines of the same product", () => {
    const result = validateOrder("7", [line(1, "2", "1"), line(2, "2", "1")], PRODUCTS);
    const message = "Only 1 unit of Gadget is available (2 asked for).";
    expect(result).toEqual({
      ok: false,
      errors: { byLine: { 1: { quantity: message }, 2: { quantity: message } } },
    });
  });

  it("refuses more than 1000 units of a product over several lines", () => {
    const plenty = [{ ...widget, available: 5000 }];
    const result = validateOrder("7", [line(1, "1", "600"), line(2, "1", "600")], plenty);
    expect(result.ok ? null : result.errors.byLine[2]?.quantity).toBe(
      "At most 1000 units of Widget per order (1200 asked for).",
    );
  });

  it("leaves a product it does not know to the server", () => {
    expect(validateOrder("7", [line(1, "99", "3")], PRODUCTS).ok).toBe(true);
  });
});

describe("the running total", () => {
  it("adds price × quantity of the complete lines, per currency", () => {
    const lines = [line(1, "1", "2"), line(2, "2", "3"), line(3, "", "1"), line(4, "1", "x")];
    expect(orderTotals(lines, PRODUCTS)).toEqual([{ amount: 3400, currency: "USD" }]);
    expect(formatTotals(orderTotals(lines, PRODUCTS))).toBe("$34.00");
    const euro: ProductChoice = { ...gadget, id: "3", price: { amount: 100, currency: "EUR" } };
    const mixed = orderTotals([line(1, "1", "1"), line(2, "3", "2")], [widget, euro]);
    expect(formatTotals(mixed)).toBe("$12.50 + €2.00");
    expect(formatTotals([])).toBe("—");
  });

  it("labels products with price and available units", () => {
    expect(productOptionLabel(widget)).toBe("Widget — $12.50 — 5 available");
  });
});

describe("outOfStockMessage", () => {
  const error = new CombinedError({
    graphQLErrors: [
      {
        message: "Not enough stock: product 1 (2 available, 6 requested)",
        extensions: {
          code: "OUT_OF_STOCK",
          items: [
            { productId: "1", requested: 6, available: 2 },
            { productId: "8", requested: 1, available: 0 },
          ],
        },
      },
    ],
  });

  it("names each product short of stock and how many units are available", () => {
    expect(outOfStockMessage(error, PRODUCTS)).toBe(
      "Not enough stock: Widget (2 available, 6 requested); " +
        "product 8 (none available, 1 requested).",
    );
  });

  it("is null for other errors and no error", () => {
    const conflict = new CombinedError({
      graphQLErrors: [{ message: "no", extensions: { code: "CONFLICT" } }],
    });
    expect(outOfStockMessage(conflict, PRODUCTS)).toBeNull();
    expect(outOfStockMessage(undefined, PRODUCTS)).toBeNull();
  });

  it("skips malformed items", () => {
    const items = [{ productId: 3, requested: 2, available: 1 }, { productId: "x" }, 7];
    expect(readShortages(items)).toEqual([{ productId: "3", requested: 2, available: 1 }]);
    expect(readShortages("nope")).toEqual([]);
  });
});

describe("newIdempotencyKey", () => {
  it("uses crypto.randomUUID, a fresh key each time", () => {
    const first = newIdempotencyKey();
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(first);
  });

  it("makes a version 4 UUID from getRandomValues where randomUUID is missing", () => {
    const source = {
      getRandomValues: <T extends ArrayBufferView | null>(array: T): T => {
        if (array instanceof Uint8Array) array.fill(0xff);
        return array;
      },
    } as unknown as Crypto;
    expect(newIdempotencyKey(source)).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
  });
});
