import { describe, expect, it, vi } from "vitest";
import { CustomerDetailPage } from "./CustomerDetailPage";
import {
  alertText,
  button,
  byLabel,
  click,
  fill,
  heading,
  link,
  queryTestId,
  queryText,
  renderAt,
  section,
  waitFor,
  type MockAnswers,
} from "../../testing";

const CUSTOMER = {
  __typename: "Customer",
  id: "7",
  name: "Ada Lovelace",
  email: "ada@example.com",
  phone: "+44 20 7946 0000",
  address: {
    __typename: "Address",
    line1: "12 Marylebone Road",
    line2: null,
    city: "London",
    postalCode: "NW1 5LR",
    country: "GB",
  },
  createdAt: "2026-01-05T10:00:00+00:00",
  invoices: [
    {
      __typename: "Invoice",
      id: "3",
      number: "INV-0003",
      issuedAt: "2026-01-06T10:00:00+00:00",
      total: { amount: 12345, currency: "USD" },
      balanceDue: { amount: 2345, currency: "USD" },
      status: "OPEN",
    },
  ],
  orders: [
    {
      __typename: "Order",
      id: "9",
      number: "ORD-000009",
      placedAt: "2026-01-06T10:00:00+00:00",
      status: "CONFIRMED",
    },
  ],
};

function setup(answers: MockAnswers, id = "7") {
  return renderAt(<CustomerDetailPage />, "/customers/:id", {
    path: `/customers/${id}`,
    answers: { CustomerDetail: () => ({ data: { customer: CUSTOMER } }), ...answers },
  });
}

describe("CustomerDetailPage", () => {
  it("shows the customer, its invoices and orders from one query", async () => {
    const { queries } = await setup({});
    expect(heading("Ada Lovelace").tagName).toBe("H1");
    expect(queryTestId("customer-email")?.textContent).toBe("ada@example.com");
    expect(queryText("12 Marylebone Road, London, NW1 5LR, GB")).not.toBeNull();
    expect(link("INV-0003").getAttribute("href")).toBe("/invoices/3");
    expect(queryText("$123.45")).not.toBeNull();
    expect(queryText("$23.45")).not.toBeNull();
    expect(link("ORD-000009").getAttribute("href")).toBe("/orders/9");
    expect(link("Place an order").getAttribute("href")).toBe("/orders/new?customerId=7");
    expect(heading("Invoices").tagName).toBe("H2");
    expect(heading("Orders").tagName).toBe("H2");
    expect(queries).toEqual([{ name: "CustomerDetail", variables: { id: "7" } }]);
  });

  it("says an unknown id in words, not as an error", async () => {
    await setup({ CustomerDetail: () => ({ data: { customer: null } }) }, "404");
    expect(queryText("No customer with id 404.")).not.toBeNull();
    expect(document.querySelector('[role="alert"]')).toBeNull();
  });

  it("saves only the changed fields, null for a cleared phone", async () => {
    const { mutations } = await setup({
      UpdateCustomer: () => ({
        data: { updateCustomer: { ...CUSTOMER, name: "Ada King", phone: null } },
      }),
    });
    const edit = section("Edit");
    expect(byLabel("Name", edit).value).toBe("Ada Lovelace");
    await fill(byLabel("Name", edit), "Ada King");
    await fill(byLabel("Phone", edit), "");
    await click(button("Save changes", edit));

    await waitFor(() => expect(queryText("Changes saved.")).not.toBeNull());
    expect(mutations).toEqual([
      { name: "UpdateCustomer", variables: { id: "7", input: { name: "Ada King", phone: null } } },
    ]);
  });

  it("refuses an invalid edit without sending", async () => {
    const { mutations } = await setup({});
    const edit = section("Edit");
    await fill(byLabel("Country", edit), "GBR");
    await click(button("Save changes", edit));
    expect(queryText("Use a 2-letter country code such as GB.", edit)).not.toBeNull();
    expect(mutations).toEqual([]);
  });

  it("asks before deleting and says a CONFLICT in words", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValue(true);
    const { mutations } = await setup({
      DeleteCustomer: () => ({
        errors: [{ message: "customer 7 still has invoices", extensions: { code: "CONFLICT" } }],
      }),
    });
    await click(button("Delete customer"));
    expect(mutations).toEqual([]);
    await click(button("Delete customer"));
    expect(confirm).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(alertText()).toContain("still has invoices"));
    expect(alertText()).toContain("This cannot be done in the current state.");
    expect(mutations).toEqual([{ name: "DeleteCustomer", variables: { id: "7" } }]);
  });

  it("goes back to the list after deleting", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(true);
    await setup({ DeleteCustomer: () => ({ data: { deleteCustomer: "7" } }) });
    await click(button("Delete customer"));
    await waitFor(() => expect(queryTestId("location")?.textContent).toBe("/customers"));
  });
});
