import { describe, expect, it, vi } from "vitest";
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
  section,
  waitFor,
  type MockAnswers,
} from "../../testing";
import { ProductDetailPage } from "./ProductDetailPage";

const PRODUCT = {
  __typename: "Product",
  id: "5",
  sku: "WID-001",
  name: "Widget",
  description: null,
  price: { __typename: "Money", amount: 1250, currency: "USD" },
  stock: 12,
  reserved: 4,
  available: 8,
  stockMovements: [
    {
      __typename: "StockMovement",
      id: "m2",
      delta: -2,
      reason: "order shipped",
      stockAfter: 12,
      reference: "order-1",
      createdAt: "2026-01-06T10:00:00+00:00",
    },
    {
      __typename: "StockMovement",
      id: "m1",
      delta: 14,
      reason: "initial stock",
      stockAfter: 14,
      reference: null,
      createdAt: "2026-01-05T10:00:00+00:00",
    },
  ],
};

function setup(answers: MockAnswers, id = "5") {
  return renderAt(<ProductDetailPage />, "/products/:id", {
    path: `/products/${id}`,
    answers: { ProductDetail: () => ({ data: { product: PRODUCT } }), ...answers },
  });
}

describe("ProductDetailPage", () => {
  it("shows the numbers, the low-stock marker and the movements", async () => {
    await setup({});
    expect(heading("Widget").tagName).toBe("H1");
    expect(queryTestId("product-stock")?.textContent).toBe("12");
    expect(queryTestId("product-reserved")?.textContent).toBe("4");
    expect(queryTestId("product-available")?.textContent).toBe("8 Low stock");
    expect(queryTestId("product-available")?.querySelector(".low-stock")).not.toBeNull();
    expect(queryText("$12.50")).not.toBeNull();
    expect(queryText("\u22122")).not.toBeNull();
    expect(queryText("+14")).not.toBeNull();
    expect(queryText("order-1")).not.toBeNull();
    expect(heading("Stock movements").tagName).toBe("H2");
  });

  it("says an unknown id in words", async () => {
    await setup({ ProductDetail: () => ({ data: { product: null } }) }, "99");
    expect(queryText("No product with id 99.")).not.toBeNull();
    expect(document.querySelector('[role="alert"]')).toBeNull();
  });

  it("refuses to remove reserved units, without sending", async () => {
    const { mutations } = await setup({});
    const adjust = section("Adjust stock");
    await fill(byLabel("Change", adjust), "-9");
    await click(button("Adjust stock", adjust));
    expect(queryText("Only 8 units can be removed (stock minus reserved).")).not.toBeNull();
    expect(byLabel("Change", adjust).getAttribute("aria-invalid")).toBe("true");
    expect(queryText("Say why the stock changes.")).not.toBeNull();
    expect(mutations).toEqual([]);
  });

  it("adjusts the stock and says the new number", async () => {
    const { mutations } = await setup({
      AdjustProductStock: () => ({
        data: { adjustStock: { id: "5", stock: 42, reserved: 4, available: 38 } },
      }),
    });
    const adjust = section("Adjust stock");
    await fill(byLabel("Change", adjust), "30");
    await fill(byLabel("Reason", adjust), "delivery");
    await click(button("Adjust stock", adjust));
    await waitFor(() => expect(queryText("Stock is now 42.")).not.toBeNull());
    expect(mutations).toEqual([
      { name: "AdjustProductStock", variables: { productId: "5", delta: 30, reason: "delivery" } },
    ]);
    expect(byLabel("Change", adjust).value).toBe("");
  });

  it("says a CONFLICT from adjustStock in words", async () => {
    await setup({
      AdjustProductStock: () => ({
        errors: [{ message: "only 8 units are not reserved", extensions: { code: "CONFLICT" } }],
      }),
    });
    const adjust = section("Adjust stock");
    await fill(byLabel("Change", adjust), "-8");
    await fill(byLabel("Reason", adjust), "count");
    await click(button("Adjust stock", adjust));
    await waitFor(() =>
      expect(alertText(adjust)).toContain(
        "This cannot be done in the current state.",
      ),
    );
    expect(byLabel("Change", adjust).value).toBe("-8");
  });

  it("saves only the changed fields; a cleared description is null", async () => {
    const { mutations } = await setup({
      ProductDetail: () => ({ data: { product: { ...PRODUCT, description: "Blue" } } }),
      UpdateProduct: () => ({ data: { updateProduct: { ...PRODUCT, price: PRODUCT.price } } }),
    });
    const edit = section("Edit");
    expect(byLabel("Price", edit).value).toBe("12.50");
    await fill(byLabel("Description", edit), "");
    await fill(byLabel("Price", edit), "13");
    await click(button("Save changes", edit));
    await waitFor(() => expect(queryText("Changes saved.")).not.toBeNull());
    expect(mutations).toEqual([
      {
        name: "UpdateProduct",
        variables: {
          id: "5",
          input: { description: null, price: { amount: 1300, currency: "USD" } },
        },
      },
    ]);
  });

  it("deletes after confirming and goes back to the list", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const { mutations } = await setup({ DeleteProduct: () => ({ data: { deleteProduct: "5" } }) });
    await click(button("Delete product"));
    await waitFor(() => expect(queryTestId("location")?.textContent).toBe("/products"));
    expect(mutations).toEqual([{ name: "DeleteProduct", variables: { id: "5" } }]);
  });
});
