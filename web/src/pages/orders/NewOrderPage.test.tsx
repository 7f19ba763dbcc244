import type { ReactNode } from "react";
import { MemoryRouter, Route, Routes, useParams } from "react-router-dom";
import { Provider } from "urql";
import { afterEach, describe, expect, it } from "vitest";
import { NewOrderPage } from "./NewOrderPage";
import {
  action,
  allByLabel,
  byLabel,
  byTestId,
  choose,
  click,
  fieldErrors,
  mockClient,
  renderUi,
  typeInto,
  waitFor,
  type MockAnswer,
  type Rendered,
} from "./testing";

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

const usd = (amount: number) => ({ __typename: "Money", amount, currency: "USD" });
const ADA = { __typename: "Customer", id: "7", name: "Ada Lovelace", email: "ada@example.com" };
const BOB = { __typename: "Customer", id: "8", name: "Bob Stone", email: "bob@example.com" };
const PRODUCTS = [
  { __typename: "Product", id: "1", name: "Widget", price: usd(1250), available: 5 },
  { __typename: "Product", id: "2", name: "Gadget", price: usd(300), available: 1 },
];

function OpenedOrder() {
  const { id } = useParams();
  return <h1>Opened order {id}</h1>;
}

/** The new-order screen at `url`, against a fake API; `place` answers placeOrder. */
async function showNewOrder(url: string, place: () => MockAnswer = () => ({})) {
  const { client, calls } = mockClient((name, variables) => {
    switch (name) {
      case "NewOrderCustomer":
        return { data: { customer: variables.id === "7" ? ADA : null } };
      case "NewOrderCustomerSearch": {
        const search = typeof variables.search === "string" ? variables.search : "";
        const nodes = [ADA, BOB].filter((customer) => customer.name.toLowerCase().includes(search));
        return { data: { customers: { __typename: "CustomerConnection", nodes } } };
      }
      case "NewOrderProducts":
        return { data: { products: { __typename: "ProductConnection", nodes: PRODUCTS } } };
      case "NewOrderPlace":
        return place();
      default:
        return undefined;
    }
  });
  const ui: ReactNode = (
    <Provider value={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/orders/new" element={<NewOrderPage />} />
          <Route path="/orders/:id" element={<OpenedOrder />} />
        </Routes>
      </MemoryRouter>
    </Provider>
  );
  rendered = await renderUi(ui);
  return { container: rendered.container, calls };
}

function placeCalls(calls: { name: string; variables: Record<string, unknown> }[]) {
  return calls.filter((call) => call.name === "NewOrderPlace").map((call) => call.variables);
}

describe("NewOrderPage", () => {
  it("preselects ?customerId= and checks the lines before sending", async () => {
    const { container, calls } = await showNewOrder("/orders/new?customerId=7");
    expect(container.querySelector("h1")?.textContent).toBe("Place an order");
    const customer = byLabel<HTMLSelectElement>("Customer");
    await waitFor(() => expect(customer.value).toBe("7"));
    expect(customer.selectedOptions[0]?.textContent).toBe("Ada Lovelace (ada@example.com)");

    await click(action("Place order"));
    expect(fieldErrors()).toEqual(["Choose a product."]);
    expect(byLabel("Product").getAttribute("aria-invalid")).toBe("true");

    await choose(byLabel("Product"), "2");
    await typeInto(byLabel("Quantity"), "3");
    await click(action("Place order"));
    expect(fieldErrors()).toEqual(["Only 1 unit of Gadget is available (3 asked for)."]);
    expect(byLabel("Quantity").getAttribute("aria-invalid")).toBe("true");

    await typeInto(byLabel("Quantity"), "0");
    await click(action("Place order"));
    expect(fieldErrors()).toEqual(["Enter a whole number from 1 to 1000."]);

    await click(action("Remove"));
    await click(action("Place order"));
    expect(fieldErrors()).toEqual(["Add at least one product."]);
    expect(placeCalls(calls)).toEqual([]);
  });

  it("finds a customer by search and asks for one before sending", async () => {
    const { calls } = await showNewOrder("/orders/new");
    await choose(byLabel("Product"), "1");
    await click(action("Place order"));
    expect(fieldErrors()).toEqual(["Choose a customer."]);
    expect(byLabel("Customer").getAttribute("aria-invalid")).toBe("true");

    await typeInto(byLabel("Find by name or email"), "bob");
    const customer = byLabel<HTMLSelectElement>("Customer");
    await waitFor(() =>
      expect([...customer.options].map((option) => option.value)).toEqual(["", "8"]),
    );
    await choose(customer, "8");
    expect(placeCalls(calls)).toEqual([]);
    const searches = calls.filter((call) => call.name === "NewOrderCustomerSearch");
    expect(searches.map((call) => call.variables.search)).toContain("bob");
  });

  it("names the products short of stock, retries with the same key, opens the order", async () => {
    const answers: MockAnswer[] = [
      {
        data: null,
        errors: [
          {
            message: "Not enough stock: product 1 (2 available, 4 requested)",
            extensions: {
              code: "OUT_OF_STOCK",
              items: [{ productId: "1", requested: 4, available: 2 }],
            },
          },
        ],
      },
      {
        data: {
          placeOrder: { __typename: "Order", id: "42", number: "ORD-000042", status: "CONFIRMED" },
        },
      },
    ];
    const { container, calls } = await showNewOrder("/orders/new?customerId=7", () => {
      const next = answers.shift();
      if (!next) throw new Error("placeOrder sent too often");
      return next;
    });
    await waitFor(() => expect(byLabel<HTMLSelectElement>("Customer").value).toBe("7"));

    await choose(byLabel("Product"), "1");
    await typeInto(byLabel("Quantity"), "4");
    await click(action("Add a product"));
    const products = allByLabel<HTMLSelectElement>("Product");
    const quantities = allByLabel<HTMLInputElement>("Quantity");
    expect(products).toHaveLength(2);
    expect(new Set([...products, ...quantities].map((field) => field.id)).size).toBe(4);
    // Each field's accessible name is its visible label plus the line number.
    const names = (field: HTMLElement | undefined) =>
      (field?.getAttribute("aria-labelledby") ?? "")
        .split(" ")
        .map((id) => document.getElementById(id)?.textContent?.trim());
    expect(names(products[1])).toEqual(["Product", "line 2"]);
    expect(names(quantities[0])).toEqual(["Quantity", "line 1"]);
    await choose(products[1] as HTMLSelectElement, "2");
    expect(byTestId("order-total").textContent).toBe("$53.00");

    await click(action("Place order"));
    await waitFor(() =>
      expect(container.querySelector('[data-code="OUT_OF_STOCK"]')?.textContent).toContain(
        "Not enough stock: Widget (2 available, 4 requested).",
      ),
    );

    // The available units shown are asked for again, once.
    await waitFor(() =>
      expect(calls.filter((call) => call.name === "NewOrderProducts")).toHaveLength(2),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls.filter((call) => call.name === "NewOrderProducts")).toHaveLength(2);

    await click(action("Place order"));
    await waitFor(() =>
      expect(container.querySelector("h1")?.textContent).toBe("Opened order 42"),
    );
    const sent = placeCalls(calls);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual({
      customerId: "7",
      items: [
        { productId: "1", quantity: 4 },
        { productId: "2", quantity: 1 },
      ],
      idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(sent[1]?.idempotencyKey).toBe(sent[0]?.idempotencyKey);
  });

  it("says when ?customerId= names no customer", async () => {
    const { container } = await showNewOrder("/orders/new?customerId=404");
    await waitFor(() => expect(fieldErrors()).toEqual(["No customer with id 404."]));
    expect(container.querySelector("h1")?.textContent).toBe("Place an order");
  });
});
