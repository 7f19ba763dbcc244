import { describe, expect, it } from "vitest";
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
import { NewProductPage } from "./NewProductPage";

function setup(answers: MockAnswers = {}) {
  return renderAt(<NewProductPage />, "/products/new", { answers });
}

describe("NewProductPage", () => {
  it("starts with USD and no stock, and refuses bad values without sending", async () => {
    const { mutations } = await setup();
    expect(heading("New product").tagName).toBe("H1");
    expect(byLabel("Currency").value).toBe("USD");
    expect(byLabel("Initial stock").value).toBe("0");
    await fill(byLabel("SKU"), "WID 001");
    await fill(byLabel("Price"), "12.345");
    await fill(byLabel("Initial stock"), "-3");
    await click(button("Create product"));

    expect(queryText("Use only letters, digits, '-' and '_'.")?.className).toBe("field-error");
    expect(byLabel("SKU").getAttribute("aria-invalid")).toBe("true");
    expect(queryText("Enter a name.")).not.toBeNull();
    expect(queryText("At most 2 digits after the decimal point.")).not.toBeNull();
    expect(byLabel("Initial stock").getAttribute("aria-invalid")).toBe("true");
    expect(byLabel("Description").getAttribute("aria-invalid")).toBeNull();
    expect(mutations).toEqual([]);
  });

  it("sends minor units and opens the new product", async () => {
    const { mutations } = await setup({
      CreateProduct: () => ({ data: { createProduct: { id: "12", name: "Widget" } } }),
    });
    await fill(byLabel("SKU"), "WID-001");
    await fill(byLabel("Name"), "Widget");
    await fill(byLabel("Description"), "A blue widget.");
    await fill(byLabel("Price"), "1,234.5");
    await fill(byLabel("Initial stock"), "40");
    await click(button("Create product"));

    await waitFor(() => expect(queryTestId("location")?.textContent).toBe("/products/12"));
    expect(mutations).toEqual([
      {
        name: "CreateProduct",
        variables: {
          input: {
            sku: "WID-001",
            name: "Widget",
            description: "A blue widget.",
            price: { amount: 123450, currency: "USD" },
            stock: 40,
          },
        },
      },
    ]);
  });

  it("says a taken SKU in words", async () => {
    await setup({
      CreateProduct: () => ({
        errors: [{ message: "sku WID-001 is taken", extensions: { code: "CONFLICT" } }],
      }),
    });
    await fill(byLabel("SKU"), "WID-001");
    await fill(byLabel("Name"), "Widget");
    await fill(byLabel("Price"), "1");
    await click(button("Create product"));
    await waitFor(() => expect(alertText()).toContain("sku WID-001 is taken"));
    expect(queryTestId("location")).toBeNull();
  });
});
