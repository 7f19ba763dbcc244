// Each screen's actions are shown only to whom may take them (the token's scopes): admin has
// every scope, a clerk all but customers:delete, a customer none. The router refuses what a
// scope does not allow anyway; hiding the action spares people a button that can only fail.
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import {
  ADMIN_SESSION,
  CLERK_SESSION,
  CUSTOMER_SESSION,
  heading,
  queryButton,
  queryLink,
  queryText,
  renderAt,
  type MockAnswers,
  type TestSession,
} from "../testing";
import { CustomerDetailPage, CustomersPage } from "./customers";
import { InvoiceDetailPage } from "./invoices";
import { OrderDetailPage, OrdersPage } from "./orders";
import { ProductDetailPage, ProductsPage } from "./products";

const usd = (amount: number) => ({ __typename: "Money", amount, currency: "USD" });

const CUSTOMER = {
  __typename: "Customer",
  id: "1",
  name: "Ada Lovelace",
  email: "ada@example.com",
  phone: null,
  address: null,
  createdAt: "2026-01-05T10:00:00+00:00",
  invoices: [],
  orders: [],
};

const INVOICE = {
  __typename: "Invoice",
  id: "5",
  number: "INV-0005",
  status: "OPEN",
  issuedAt: "2026-11-21T16:00:00+00:00",
  paidAt: null,
  voidedAt: null,
  customer: { __typename: "Customer", id: "1", name: "Ada Lovelace" },
  items: [],
  total: usd(2500),
  amountPaid: usd(0),
  balanceDue: usd(2500),
  payments: [],
};

const PRODUCT = {
  __typename: "Product",
  id: "9",
  sku: "WID-001",
  name: "Widget",
  description: null,
  price: usd(1250),
  stock: 12,
  reserved: 0,
  available: 12,
  stockMovements: [],
};

function order(status: "CONFIRMED" | "PAID") {
  return {
    __typename: "Order",
    id: "42",
    number: "ORD-000042",
    status,
    placedAt: "2026-11-21T15:59:00+00:00",
    confirmedAt: "2026-11-21T16:00:00+00:00",
    paidAt: status === "PAID" ? "2026-11-21T16:00:00+00:00" : null,
    shippedAt: null,
    deliveredAt: null,
    cancelledAt: null,
    customer: { __typename: "Customer", id: "1", name: "Ada Lovelace" },
    items: [],
    invoice: {
      __typename: "Invoice",
      id: "5",
      number: "INV-0005",
      status: status === "PAID" ? "PAID" : "OPEN",
      balanceDue: usd(status === "PAID" ? 0 : 2500),
      items: [],
    },
  };
}

const ANSWERS: MockAnswers = {
  CustomerDetail: () => ({ data: { customer: CUSTOMER } }),
  InvoiceDetail: () => ({ data: { invoice: INVOICE } }),
  ProductDetail: () => ({ data: { product: PRODUCT } }),
  OrderDetail: ({ id }) => ({ data: { order: order(id === "43" ? "PAID" : "CONFIRMED") } }),
};

/**
 * The named actions visible on `element` at `path` for `session`, once the screen shows its
 * <h1> `title` (so an empty answer means hidden, not still loading).
 */
async function actionsOf(
  session: TestSession,
  element: ReactNode,
  [route, path, title]: readonly [string, string, string],
  names: readonly string[],
): Promise<string[]> {
  const screen = await renderAt(element, route, { path, answers: ANSWERS, session });
  expect(heading(title)).toBeTruthy();
  const shown = names.filter(
    (name) => queryButton(name) !== null || queryLink(name) !== null || queryText(name) !== null,
  );
  screen.unmount();
  return shown;
}

const ROLES = [
  ["admin", ADMIN_SESSION],
  ["clerk", CLERK_SESSION],
  ["customer", CUSTOMER_SESSION],
] as const;

describe.each(ROLES)("as %s", (role, session) => {
  const staff = role !== "customer";

  it("customers: New customer, Delete customer, Edit and Place an order", async () => {
    const list = ["/customers", "/customers", "Customers"] as const;
    expect(await actionsOf(session, <CustomersPage />, list, ["New customer"])).toEqual(
      staff ? ["New customer"] : [],
    );
    const names = ["Delete customer", "Place an order", "Edit", "Save changes"];
    const expected = role === "admin" ? names : role === "clerk" ? names.slice(1) : [];
    const detail = ["/customers/:id", "/customers/1", "Ada Lovelace"] as const;
    expect(await actionsOf(session, <CustomerDetailPage />, detail, names)).toEqual(expected);
  });

  it("invoice: Record a payment and Void invoice", async () => {
    const names = ["Record a payment", "Record payment", "Void invoice"];
    const detail = ["/invoices/:id", "/invoices/5", "Invoice INV-0005"] as const;
    expect(await actionsOf(session, <InvoiceDetailPage />, detail, names)).toEqual(
      staff ? names : [],
    );
  });

  it("products: New product, Delete product, Adjust stock and Edit", async () => {
    const list = ["/products", "/products", "Products"] as const;
    expect(await actionsOf(session, <ProductsPage />, list, ["New product"])).toEqual(
      staff ? ["New product"] : [],
    );
    const names = ["Delete product", "Adjust stock", "Edit", "Save changes"];
    const detail = ["/products/:id", "/products/9", "Widget"] as const;
    expect(await actionsOf(session, <ProductDetailPage />, detail, names)).toEqual(
      staff ? names : [],
    );
  });

  it("orders: Place an order, Pay invoice, Cancel order, Ship order", async () => {
    const list = ["/orders", "/orders", "Orders"] as const;
    expect(await actionsOf(session, <OrdersPage />, list, ["Place an order"])).toEqual(
      staff ? ["Place an order"] : [],
    );
    const confirmed = ["Pay invoice", "Cancel order"];
    const detail = ["/orders/:id", "/orders/42", "Order ORD-000042"] as const;
    expect(await actionsOf(session, <OrderDetailPage />, detail, confirmed)).toEqual(
      staff ? confirmed : [],
    );
    const paid = ["/orders/:id", "/orders/43", "Order ORD-000042"] as const;
    expect(await actionsOf(session, <OrderDetailPage />, paid, ["Ship order"])).toEqual(
      staff ? ["Ship order"] : [],
    );
  });
});

describe("a clerk without orders:write", () => {
  it("sees a PAID order but not Ship order", async () => {
    const readOnly = { ...CLERK_SESSION, scopes: ["billing:read", "orders:read"] };
    const paid = ["/orders/:id", "/orders/43", "Order ORD-000042"] as const;
    expect(await actionsOf(readOnly, <OrderDetailPage />, paid, ["Ship order"])).toEqual([]);
  });
});
