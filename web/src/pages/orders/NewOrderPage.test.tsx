import { describe, expect, it } from "vitest";
import {
  allByLabel,
  button,
  byLabel,
  byTestId,
  choose,
  click,
  fieldErrors,
  fill,
  queryTestId,
  renderAt,
  waitFor,
  type MockAnswer,
  type MockAnswers,
  type SentOperation,
} from "../../testing";
import { NewOrderPage } from "./NewOrderPage";

const usd = (amount: number) => ({ __typename: "Money", amount, currency: "USD" });
const ADA = { __typename: "Customer", id: "7", name: "Ada Lovelace", email: "ada@example.com" };
const BOB = { __typename: "Customer", id: "8", name: "Bob Stone", email: "bob@example.com" };
const PRODUCTS = [
  { __typename: "Product", id: "1", name: "Widget", price: usd(1250), available: 5 },
  { __typename: "Product", id: "2", name: "Gadget", price: usd(300), available: 1 },
];

/** The new-order screen at `url`, against a fake API; `place` answers placeOrder. */
function showNewOrder(url: string, place: () => MockAnswer = () => ({})) {
  const answers: MockAnswers = {
    NewOrderCustomer: (variables) => ({ data: { customer: variables.id === "7" ? ADA : null } }),
    NewOrderCustomerSearch: (variables) => {
      const search = typeof variables.search === "string" ? variables.search : "";
      const nodes = [ADA, BOB].filter((customer) => customer.name.toLowerCase().includes(search));
      return { data: { customers: { __typename: "CustomerConnection", nodes } } };
    },
    NewOrderProducts: () => ({
      data: { products: { __typename: "ProductConnection", nodes: PRODUCTS } },
    }),
    NewOrderPlace: place,
  };
  return renderAt(<NewOrderPage />, "/orders/new", { path: url, answers });
}

function placeCalls(mutations: SentOperation[]) {
  return mutations.filter((call) => call.name === "NewOrderPlace").map((call) => call.variables);
}

describe("NewOrderPage", () => {
  it("preselects ?customerId= and checks the lines before sending", async () => {
    const { container, mutations } = await showNewOrder("/orders/new?customerId=7");
    expect(container.querySelector("h1")?.textContent).toBe("Place an order");
    const customer = byLabel<HTMLSelectElement>("Customer");
    await waitFor(() => expect(customer.value).toBe("7"));
    expect(customer.selectedOptions[0]?.textContent).toBe("Ada Lovelace (ada@example.com)");

    await click(button("Place order"));
    expect(fieldErrors()).toEqual(["Choose a product."]);
    expect(byLabel("Product").getAttribute("aria-invalid")).toBe("true");

    await choose(byLabel("Product"), "2");
    await fill(byLabel("Quantity"), "3");
    await click(button("Place order"));
    expect(fieldErrors()).toEqual(["Only 1 unit of Gadget is available (3 asked for)."]);
    expect(byLabel("Quantity").getAttribute("aria-invalid")).toBe("true");

    await fill(byLabel("Quantity"), "0");
    await click(button("Place order"));
    expect(fieldErrors()).toEqual(["Enter a whole number from 1 to 1000."]);

    await click(button("Remove"));
    await click(button("Place order"));
    expect(fieldErrors()).toEqual(["Add at least one product."]);
    expect(placeCalls(mutations)).toEqual([]);
  });

  it("finds a customer by search and asks for one before sending", async () => {
    const { queries, mutations } = await showNewOrder("/orders/new");
    await choose(byLabel("Product"), "1");
    await click(button("Place order"));
    expect(fieldErrors()).toEqual(["Choose a customer."]);
    expect(byLabel("Customer").getAttribute("aria-invalid")).toBe("true");

    await fill(byLabel("Find by name or email"), "bob");
    const customer = byLabel<HTMLSelectElement>("Customer");
    await waitFor(() =>
      expect([...customer.options].map((option) => option.value)).toEqual(["", "8"]),
    );
    await choose(customer, "8");
    expect(placeCalls(mutations)).toEqual([]);
    const searches = queries.filter((call) => call.name === "NewOrderCustomerSearch");
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
    const place = () => {
      const next = answers.shift();
      if (!next) throw new Error("placeOrder sent too often");
      return next;
    };
    const { container, queries, mutations } = await showNewOrder("/orders/new?customerId=7", place);
    await waitFor(() => expect(byLabel<HTMLSelectElement>("Customer").value).toBe("7"));

    await choose(byLabel("Product"), "1");
    await fill(byLabel("Quantity"), "4");
    await click(button("Add a product"));
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

    await click(button("Place order"));
    await waitFor(() =>
      expect(container.querySelector('[data-code="OUT_OF_STOCK"]')?.textContent).toContain(
        "Not enough stock: Widget (2 available, 4 requested).",
      ),
    );

    // The available units shown are asked for again, once.
    await waitFor(() =>
      expect(queries.filter((call) => call.name === "NewOrderProducts")).toHaveLength(2),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(queries.filter((call) => call.name === "NewOrderProducts")).toHaveLength(2);

    await click(button("Place order"));
    await waitFor(() => expect(queryTestId("location")?.textContent).toBe("/orders/42"));
    const sent = placeCalls(mutations);
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
