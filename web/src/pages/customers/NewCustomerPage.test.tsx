import { afterEach, describe, expect, it } from "vitest";
import { NewCustomerPage } from "./NewCustomerPage";
import {
  button,
  byLabel,
  cleanup,
  click,
  fill,
  heading,
  mockClient,
  queryTestId,
  queryText,
  renderAt,
  waitFor,
  type MockAnswers,
} from "./testClient";

function setup(answers: MockAnswers = {}) {
  const mock = mockClient(answers);
  renderAt(mock.client, <NewCustomerPage />, "/customers/new");
  return mock;
}

function alertText(): string {
  return document.querySelector('[role="alert"]')?.textContent ?? "";
}

afterEach(cleanup);

describe("NewCustomerPage", () => {
  it("shows a message under each invalid field and sends nothing", async () => {
    const { mutations } = setup();
    expect(heading("New customer").tagName).toBe("H1");
    fill(byLabel("Email"), "not-an-email");
    fill(byLabel("Phone"), "12");
    fill(byLabel("City"), "London");
    await click(button("Create customer"));

    expect(byLabel("Name").getAttribute("aria-invalid")).toBe("true");
    expect(queryText("Enter a name.")?.className).toBe("field-error");
    expect(queryText("Enter an email address such as ada@example.com.")).not.toBeNull();
    expect(byLabel("Phone").getAttribute("aria-invalid")).toBe("true");
    expect(queryText("Enter the first address line.")).not.toBeNull();
    expect(queryText("Enter the country code, e.g. GB.")).not.toBeNull();
    expect(byLabel("City").getAttribute("aria-invalid")).toBeNull();
    expect(mutations).toEqual([]);
  });

  it("sends the trimmed values and opens the new customer", async () => {
    const { mutations } = setup({
      CreateCustomer: () => ({ data: { createCustomer: { id: "41", name: "Ada Lovelace" } } }),
    });
    fill(byLabel("Name"), " Ada Lovelace ");
    fill(byLabel("Email"), "ada@example.com");
    fill(byLabel("Address line 1"), "12 Marylebone Road");
    fill(byLabel("City"), "London");
    fill(byLabel("Postal code"), "NW1 5LR");
    fill(byLabel("Country"), "gb");
    await click(button("Create customer"));

    await waitFor(() => expect(queryTestId("location")?.textContent).toBe("/customers/41"));
    expect(mutations).toEqual([
      {
        name: "CreateCustomer",
        variables: {
          input: {
            name: "Ada Lovelace",
            email: "ada@example.com",
            address: {
              line1: "12 Marylebone Road",
              city: "London",
              postalCode: "NW1 5LR",
              country: "GB",
            },
          },
        },
      },
    ]);
  });

  it("says a taken email in words and stays on the form", async () => {
    setup({
      CreateCustomer: () => ({
        errors: [
          {
            message: "a customer with email ada@example.com already exists",
            extensions: { code: "CONFLICT" },
          },
        ],
      }),
    });
    fill(byLabel("Name"), "Ada");
    fill(byLabel("Email"), "ada@example.com");
    await click(button("Create customer"));

    await waitFor(() => expect(alertText()).toContain("This cannot be done in the current state."));
    expect(alertText()).toContain("already exists");
    expect(queryTestId("location")).toBeNull();
  });

  it("puts the server's field messages under their fields", async () => {
    setup({
      CreateCustomer: () => ({
        errors: [
          {
            message: "Invalid input: input.email: not deliverable",
            extensions: {
              code: "BAD_USER_INPUT",
              fields: [{ field: "input.email", message: "not deliverable" }],
            },
          },
        ],
      }),
    });
    fill(byLabel("Name"), "Ada");
    fill(byLabel("Email"), "ada@example.com");
    await click(button("Create customer"));

    await waitFor(() => expect(queryText("not deliverable")?.className).toBe("field-error"));
    expect(byLabel("Email").getAttribute("aria-invalid")).toBe("true");
    expect(alertText()).toContain("Some of the values are not valid.");
  });
});
