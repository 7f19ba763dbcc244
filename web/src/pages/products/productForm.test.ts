import { describe, expect, it } from "vitest";
import {
  EMPTY_PRODUCT_FORM,
  productFieldErrors,
  productFormValues,
  toCreateProductInput,
  toUpdateProductInput,
  validateProductForm,
  type ProductFormValues,
} from "./productForm";

const WIDGET: ProductFormValues = {
  ...EMPTY_PRODUCT_FORM,
  sku: "WID-001",
  name: "Widget",
  price: "12.50",
};

describe("validateProductForm", () => {
  it("accepts a SKU, a name and a price, USD and no stock by default", () => {
    expect(EMPTY_PRODUCT_FORM.currency).toBe("USD");
    expect(EMPTY_PRODUCT_FORM.stock).toBe("0");
    expect(validateProductForm(WIDGET)).toEqual({});
  });

  it("wants a SKU of 1 to 64 letters, digits, '-' or '_'", () => {
    expect(validateProductForm({ ...WIDGET, sku: " " }).sku).toBe("Enter a SKU.");
    expect(validateProductForm({ ...WIDGET, sku: "WID 001" }).sku).toBe(
      "Use only letters, digits, '-' and '_'.",
    );
    expect(validateProductForm({ ...WIDGET, sku: "a_B-9".repeat(13) }).sku).toBe(
      "At most 64 characters.",
    );
    expect(validateProductForm({ ...WIDGET, sku: "x".repeat(64) }).sku).toBeUndefined();
  });

  it("wants a name of 1 to 200 characters", () => {
    expect(validateProductForm({ ...WIDGET, name: "  " }).name).toBe("Enter a name.");
    expect(validateProductForm({ ...WIDGET, name: "x".repeat(201) }).name).toBe(
      "At most 200 characters.",
    );
  });

  it("reads the price in the currency's units", () => {
    expect(validateProductForm({ ...WIDGET, price: "" }).price).toBe("Enter an amount.");
    expect(validateProductForm({ ...WIDGET, price: "-1" }).price).toBeDefined();
    expect(validateProductForm({ ...WIDGET, price: "1.234" }).price).toBe(
      "At most 2 digits after the decimal point.",
    );
    expect(validateProductForm({ ...WIDGET, price: "1.5", currency: "JPY" }).price).toBe(
      "JPY has no minor units: enter a whole number.",
    );
  });

  it("wants a 3-letter currency and a whole initial stock >= 0", () => {
    expect(validateProductForm({ ...WIDGET, currency: "US" }).currency).toBeDefined();
    expect(validateProductForm({ ...WIDGET, currency: "usd" }).currency).toBeUndefined();
    expect(validateProductForm({ ...WIDGET, stock: "-1" }).stock).toBeDefined();
    expect(validateProductForm({ ...WIDGET, stock: "2.5" }).stock).toBeDefined();
    expect(validateProductForm({ ...WIDGET, stock: "" }).stock).toBeDefined();
    expect(validateProductForm({ ...WIDGET, stock: "1000001" }).stock).toBe(
      "At most 1,000,000 units.",
    );
  });

  it("checks neither currency nor stock in the edit form", () => {
    expect(validateProductForm({ ...WIDGET, currency: "??", stock: "x" }, "edit")).toEqual({});
  });
});

describe("toCreateProductInput", () => {
  it("sends minor units, the upper-cased currency and the stock", () => {
    expect(
      toCreateProductInput({ ...WIDGET, name: " Widget ", currency: "eur", stock: " 7 " }),
    ).toEqual({
      sku: "WID-001",
      name: "Widget",
      price: { amount: 1250, currency: "EUR" },
      stock: 7,
    });
    expect(toCreateProductInput({ ...WIDGET, description: " Blue " }).description).toBe("Blue");
  });
});

describe("toUpdateProductInput", () => {
  const loaded = productFormValues({
    sku: "WID-001",
    name: "Widget",
    description: "Blue",
    price: { amount: 1250, currency: "USD" },
  });

  it("sends only what changed", () => {
    expect(loaded.price).toBe("12.50");
    expect(toUpdateProductInput(loaded, { ...loaded, price: "12.5" })).toEqual({});
    expect(toUpdateProductInput(loaded, { ...loaded, name: "Gadget" })).toEqual({
      name: "Gadget",
    });
    expect(toUpdateProductInput(loaded, { ...loaded, sku: "WID-002", price: "13" })).toEqual({
      sku: "WID-002",
      price: { amount: 1300, currency: "USD" },
    });
  });

  it("clears a description with null", () => {
    expect(toUpdateProductInput(loaded, { ...loaded, description: "  " })).toEqual({
      description: null,
    });
  });
});

describe("productFieldErrors", () => {
  it("puts the server's field paths under the form's fields", () => {
    expect(
      productFieldErrors({
        "input.sku": "may contain only letters, digits, '-' and '_'",
        "input.price.amount": "Input should be greater than or equal to 0",
        "input.price.currency": "must be an ISO 4217 code",
      }),
    ).toEqual({
      sku: "may contain only letters, digits, '-' and '_'",
      price: "Input should be greater than or equal to 0",
      currency: "must be an ISO 4217 code",
    });
  });
});
