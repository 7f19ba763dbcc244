import { describe, expect, it, vi } from "vitest";
import {
  alertText,
  button,
  byTestId,
  click,
  link,
  queryButton,
  queryLink,
  renderAt,
  waitFor,
  type MockAnswers,
  type MockCall,
} from "../../testing";
import { OrderDetailPage } from "./OrderDetailPage";

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

function showOrder(answers: MockAnswers, id = "42") {
  return renderAt(<OrderDetailPage />, "/orders/:id", { path: `/orders/${id}`, answers });
}

const detailCalls = (calls: MockCall[]) => calls.filter((call) => call.name === "OrderDetail");

describe("OrderDetailPage", () => {
  it("shows a CONFIRMED order with its invoice, and cancels it after confirming", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    let current = order("CONFIRMED", "OPEN");
    const { container, mutations } = await showOrder({
      OrderDetail: () => ({ data: { order: current } }),
      OrderDetailCancel: () => {
        current = order("CANCELLED", "VOID");
        return { data: { cancelOrder: current } };
      },
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
    expect(link("Invoice INV-0005").getAttribute("href")).toBe("/invoices/5");
    expect(link("Pay invoice").getAttribute("href")).toBe("/invoices/5");
    expect(queryButton("Ship order")).toBeNull();

    await click(button("Cancel order"));
    await waitFor(() => expect(byTestId("order-status").textContent).toBe("CANCELLED"));
    expect(confirm).toHaveBeenCalled();
    expect(mutations).toEqual([{ name: "OrderDetailCancel", variables: { id: "42" } }]);
    expect(container.querySelector(".notice")?.textContent).toContain("Order cancelled");
    expect(queryButton("Cancel order")).toBeNull();
    expect(queryLink("Pay invoice")).toBeNull();
  });

  it("does not cancel when the person says no", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(false);
    const { mutations } = await showOrder({
      OrderDetail: () => ({ data: { order: order("CONFIRMED", "OPEN") } }),
    });
    await click(button("Cancel order"));
    expect(mutations).toEqual([]);
  });

  it("offers Ship order when PAID and Mark delivered when SHIPPED", async () => {
    let current = order("PAID", "PAID");
    const { container } = await showOrder({
      OrderDetail: () => ({ data: { order: current } }),
      OrderDetailShip: () => {
        current = order("SHIPPED", "PAID");
        return { data: { shipOrder: current } };
      },
    });
    expect(queryButton("Cancel order")).toBeNull();
    await click(button("Ship order"));
    await waitFor(() => expect(byTestId("order-status").textContent).toBe("SHIPPED"));
    expect(container.querySelector(".notice")?.textContent).toBe("Order shipped.");
    expect(queryButton("Mark delivered")).not.toBeNull();
    expect(queryButton("Ship order")).toBeNull();
  });

  it("puts CONFLICT in words", async () => {
    const { container } = await showOrder({
      OrderDetail: () => ({ data: { order: order("PAID", "PAID") } }),
      OrderDetailShip: () => ({
        data: null,
        errors: [{ message: "order 42 is SHIPPED", extensions: { code: "CONFLICT" } }],
      }),
    });
    await click(button("Ship order"));
    await waitFor(() => {
      expect(alertText(container)).toContain("The order was not shipped.");
      expect(alertText(container)).toContain("This cannot be done in the current state.");
    });
  });

  it("polls while the invoice is PAID but the order CONFIRMED, until it is PAID", async () => {
    let polls = 0;
    const { container, calls } = await showOrder({
      OrderDetail: () => {
        polls += 1;
        return { data: { order: order(polls < 3 ? "CONFIRMED" : "PAID", "PAID") } };
      },
    });
    expect(container.textContent).toContain("Payment received; updating the order…");
    expect(queryButton("Cancel order")).toBeNull();
    await waitFor(() => expect(byTestId("order-status").textContent).toBe("PAID"), 4000);
    expect(container.textContent).not.toContain("Payment received; updating the order…");
    expect(queryButton("Ship order")).not.toBeNull();
    expect(detailCalls(calls).slice(1).map((call) => call.requestPolicy)).toEqual([
      "network-only",
      "network-only",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(detailCalls(calls)).toHaveLength(3);
  });

  it("stops polling when the screen goes away", async () => {
    const { calls, unmount } = await showOrder({
      OrderDetail: () => ({ data: { order: order("CONFIRMED", "PAID") } }),
    });
    await waitFor(() => expect(detailCalls(calls)).toHaveLength(2), 2500);
    unmount();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(detailCalls(calls)).toHaveLength(2);
  });

  it("says so for an unknown id", async () => {
    const unknown = { OrderDetail: () => ({ data: { order: null } }) };
    const { container } = await showOrder(unknown, "404");
    expect(container.textContent).toContain("No order with id 404.");
  });
});
