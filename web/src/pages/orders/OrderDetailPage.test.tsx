import { MemoryRouter, Route, Routes } from "react-router-dom";
import { Provider } from "urql";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OrderDetailPage } from "./OrderDetailPage";
import {
  action,
  byTestId,
  click,
  mockClient,
  queryAction,
  renderUi,
  waitFor,
  type MockAnswer,
  type MockCall,
  type Rendered,
} from "./testing";

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
  vi.restoreAllMocks();
});

const usd = (amount: number) => ({ __typename: "Money", amount, currency: "USD" });

type Status = "CONFIRMED" | "PAID" | "SHIPPED" | "DELIVERED" | "CANCELLED";

/** Order ORD-000042 of 2 × Widget in `status`, its invoice in `invoiceStatus`. */
function order(status: Status, invoiceStatus: "OPEN" | "PAID" | "VOID") {
  const at = (set: boolean) => (set ? "2026-11-21T16:00:00+00:00" : null);
  return {
    __typename: "Order",
    id: "42",
    number: "ORD-000042",
    status,
    placedAt: "2026-11-21T15:59:00+00:00",
    confirmedAt: at(true),
    paidAt: at(["PAID", "SHIPPED", "DELIVERED"].includes(status)),
    shippedAt: at(["SHIPPED", "DELIVERED"].includes(status)),
    deliveredAt: at(status === "DELIVERED"),
    cancelledAt: at(status === "CANCELLED"),
    customer: { __typename: "Customer", id: "7", name: "Ada Lovelace" },
    items: [
      {
        __typename: "OrderItem",
        quantity: 2,
        product: { __typename: "Product", id: "1", name: "Widget" },
      },
    ],
    invoice: {
      __typename: "Invoice",
      id: "5",
      number: "INV-0005",
      status: invoiceStatus,
      balanceDue: usd(invoiceStatus === "OPEN" ? 2500 : 0),
      items: [
        {
          __typename: "InvoiceItem",
          product: { __typename: "Product", id: "1" },
          unitPrice: usd(1250),
        },
      ],
    },
  };
}

async function showOrder(answer: (name: string) => MockAnswer | undefined, id = "42") {
  const { client, calls } = mockClient(answer);
  rendered = await renderUi(
    <Provider value={client}>
      <MemoryRouter initialEntries={[`/orders/${id}`]}>
        <Routes>
          <Route path="/orders/:id" element={<OrderDetailPage />} />
        </Routes>
      </MemoryRouter>
    </Provider>,
  );
  return { container: rendered.container, calls };
}

const detailCalls = (calls: MockCall[]) => calls.filter((call) => call.name === "OrderDetail");

describe("OrderDetailPage", () => {
  it("shows a CONFIRMED order with its invoice, and cancels it after confirming", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    let current = order("CONFIRMED", "OPEN");
    const { container, calls } = await showOrder((name) => {
      if (name === "OrderDetail") return { data: { order: current } };
      if (name === "OrderDetailCancel") {
        current = order("CANCELLED", "VOID");
        return { data: { cancelOrder: current } };
      }
      return undefined;
    });

    expect(container.querySelector("h1")?.textContent).toBe("Order ORD-000042");
    expect(byTestId("order-status").textContent).toBe("CONFIRMED");
    const timeline = container.querySelector('[aria-label="Timeline"]');
    expect([...(timeline?.querySelectorAll("dt") ?? [])].map((dt) => dt.textContent)).toEqual([
      "Placed",
      "Confirmed",
    ]);
    const cells = [...container.querySelectorAll("td")].map((cell) => cell.textContent);
    expect(cells).toEqual(["Widget", "2", "$12.50"]);
    expect(action("Invoice INV-0005").getAttribute("href")).toBe("/invoices/5");
    expect(action("Pay invoice").getAttribute("href")).toBe("/invoices/5");
    expect(queryAction("Ship order")).toBeNull();

    await click(action("Cancel order"));
    await waitFor(() => expect(byTestId("order-status").textContent).toBe("CANCELLED"));
    expect(confirm).toHaveBeenCalled();
    const cancel = calls.find((call) => call.name === "OrderDetailCancel");
    expect(cancel?.variables).toEqual({ id: "42" });
    expect(container.querySelector(".notice")?.textContent).toContain("Order cancelled");
    expect(queryAction("Cancel order")).toBeNull();
    expect(queryAction("Pay invoice")).toBeNull();
  });

  it("does not cancel when the person says no", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(false);
    const { calls } = await showOrder((name) =>
      name === "OrderDetail" ? { data: { order: order("CONFIRMED", "OPEN") } } : undefined,
    );
    await click(action("Cancel order"));
    expect(calls.some((call) => call.name === "OrderDetailCancel")).toBe(false);
  });

  it("offers Ship order when PAID and Mark delivered when SHIPPED", async () => {
    let current = order("PAID", "PAID");
    const { container } = await showOrder((name) => {
      if (name === "OrderDetail") return { data: { order: current } };
      if (name === "OrderDetailShip") {
        current = order("SHIPPED", "PAID");
        return { data: { shipOrder: current } };
      }
      return undefined;
    });
    expect(queryAction("Cancel order")).toBeNull();
    await click(action("Ship order"));
    await waitFor(() => expect(byTestId("order-status").textContent).toBe("SHIPPED"));
    expect(container.querySelector(".notice")?.textContent).toBe("Order shipped.");
    expect(queryAction("Mark delivered")).not.toBeNull();
    expect(queryAction("Ship order")).toBeNull();
  });

  it("puts CONFLICT in words", async () => {
    const { container } = await showOrder((name) => {
      if (name === "OrderDetail") return { data: { order: order("PAID", "PAID") } };
      if (name === "OrderDetailShip") {
        return {
          data: null,
          errors: [{ message: "order 42 is SHIPPED", extensions: { code: "CONFLICT" } }],
        };
      }
      return undefined;
    });
    await click(action("Ship order"));
    await waitFor(() => {
      const alert = container.querySelector('[role="alert"]')?.textContent ?? "";
      expect(alert).toContain("The order was not shipped.");
      expect(alert).toContain("This cannot be done in the current state.");
    });
  });

  it("polls while the invoice is PAID but the order CONFIRMED, until it is PAID", async () => {
    let polls = 0;
    const { container, calls } = await showOrder((name) => {
      if (name !== "OrderDetail") return undefined;
      polls += 1;
      return { data: { order: polls < 3 ? order("CONFIRMED", "PAID") : order("PAID", "PAID") } };
    });
    expect(container.textContent).toContain("Payment received; updating the order…");
    expect(queryAction("Cancel order")).toBeNull();
    await waitFor(() => expect(byTestId("order-status").textContent).toBe("PAID"), 4000);
    expect(container.textContent).not.toContain("Payment received; updating the order…");
    expect(queryAction("Ship order")).not.toBeNull();
    expect(detailCalls(calls).slice(1).map((call) => call.requestPolicy)).toEqual([
      "network-only",
      "network-only",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(detailCalls(calls)).toHaveLength(3);
  });

  it("stops polling when the screen goes away", async () => {
    const { calls } = await showOrder((name) =>
      name === "OrderDetail" ? { data: { order: order("CONFIRMED", "PAID") } } : undefined,
    );
    await waitFor(() => expect(detailCalls(calls)).toHaveLength(2), 2500);
    rendered?.unmount();
    rendered = undefined;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(detailCalls(calls)).toHaveLength(2);
  });

  it("says so for an unknown id", async () => {
    const { container } = await showOrder(
      (name) => (name === "OrderDetail" ? { data: { order: null } } : undefined),
      "404",
    );
    expect(container.textContent).toContain("No order with id 404.");
  });
});
