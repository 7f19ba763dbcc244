import { describe, expect, it } from "vitest";
import { NewCustomerPage } from "./NewCustomerPage";
import {
  alertText,
  button,
  byLabel,
  click,
  fill,
  heading,
  queryTestId,
  queryText,
  renderAt,
  waitFor,
  type MockAnswers,
} from "../../testing";

function setup(answers: MockAnswers = {}) {
  return renderAt(<NewCustomerPage />, "/customers/new", { answers });
}

describe("NewCustomerPage", () => {
  it("shows a message under each invalid field and sends nothing", async () => {
    const { mutations } = await setup();
    expect(heading("New customer").tagName).toBe("H1");
    await fill(byLabel("Email"), "not-an-email");
    await fill(byLabel("Phone"), "12");
    await fill(byLabel("City"), "London");
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
    const { mutations } = await setup({
      CreateCustomer: () => ({ data: { createCustomer: { id: "41", name: "Ada Lovelace" } } }),
    });
    await fill(byLabel("Name"), " Ada Lovelace ");
    await fill(byLabel("Email"), "ada@example.com");
    await fill(byLabel("Address line 1"), "12 Marylebone Road");
    await fill(byLabel("City"), "London");
    await fill(byLabel("Postal code"), "NW1 5LR");
    await fill(byLabel("Country"), "gb");
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
    await setup({
      CreateCustomer: () => ({
        errors: [
          {
            message: "a customer with email ada@example.com already exists",
            extensions: { code: "CONFLICT" },
          },
        ],
      }),
    });
    await fill(byLabel("Name"), "Ada");
    await fill(byLabel("Email"), "ada@example.com");
    await click(button("Create customer"));

    await waitFor(() => expect(alertText()).toContain("This cannot be done in the current state."));
    expect(alertText()).toContain("already exists");
    expect(queryTestId("location")).toBeNull();
  });

  it("puts the server's field messages under their fields", async () => {
    await setup({
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
    await fill(byLabel("Name"), "Ada");
    await fill(byLabel("Email"), "ada@example.com");
    await click(button("Create customer"));

    await waitFor(() => expect(queryText("not deliverable")?.className).toBe("field-error"));
    expect(byLabel("Email").getAttribute("aria-invalid")).toBe("true");
    expect(alertText()).toContain("Some of the values are not valid.");
  });
});
