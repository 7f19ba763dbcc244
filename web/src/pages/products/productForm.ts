// The product form's values, its validation (the inventory subgraph's rules, checked before
// sending) and the mutation inputs built from it.
import type { CreateProductInput, UpdateProductInput } from "../../graphql/generated";
import { atMost, placeFieldErrors, required, type FormErrors } from "../../lib/forms";
import { parseAmount, toMajorUnits } from "../../lib/money";

/** What the product form holds: every field as typed. Price is in major units ("12.50"). */
export interface ProductFormValues {
  sku: string;
  name: string;
  description: string;
  price: string;
  currency: string;
  /** Initial units on hand (new products only). */
  stock: string;
}

/** A message per invalid field of the product form. */
export type ProductFormErrors = FormErrors<ProductFormValues>;

/** Which form: a new product (with currency and initial stock) or the edit form. */
export type ProductFormMode = "create" | "edit";

/** The values of an empty New product form: USD, no stock. */
export const EMPTY_PRODUCT_FORM: ProductFormValues = {
  sku: "",
  name: "",
  description: "",
  price: "",
  currency: "USD",
  stock: "0",
};

const PRODUCT_FIELDS = Object.keys(EMPTY_PRODUCT_FORM) as (keyof ProductFormValues)[];

/** Largest initial stock (the inventory subgraph's `MAX_STOCK_DELTA`). */
export const MAX_INITIAL_STOCK = 1_000_000;

const SKU_PATTERN = /^[A-Za-z0-9_-]+$/;
const CURRENCY_PATTERN = /^[A-Z]{3}$/;
const DESCRIPTION_MAX_LENGTH = 2000;

/** The form's values for an existing product (the edit form's starting point). */
export function productFormValues(product: {
  sku: string;
  name: string;
  description: string | null;
  price: { amount: number; currency: string };
}): ProductFormValues {
  return {
    sku: product.sku,
    name: product.name,
    description: product.description ?? "",
    price: toMajorUnits(product.price.amount, product.price.currency),
    currency: product.price.currency,
    stock: "0",
  };
}

function normalCurrency(values: ProductFormValues): string {
  return values.currency.trim().toUpperCase();
}

/**
 * Checks the form as the inventory subgraph would: SKU 1-64 letters, digits, '-' or '_';
 * name 1-200 characters (trimmed); description at most 2000; a price `parseAmount` reads in
 * the currency; and, for a new product, a 3-letter currency and a whole initial stock >= 0.
 *
 * Returns a message per invalid field; an empty object when the form can be sent.
 */
export function validateProductForm(
  values: ProductFormValues,
  mode: ProductFormMode = "create",
): ProductFormErrors {
  const errors: ProductFormErrors = {};
  const sku = values.sku.trim();
  const skuError = required(sku, "Enter a SKU.", 64);
  if (skuError) errors.sku = skuError;
  else if (!SKU_PATTERN.test(sku)) errors.sku = "Use only letters, digits, '-' and '_'.";
  const nameError = required(values.name.trim(), "Enter a name.", 200);
  if (nameError) errors.name = nameError;
  const descriptionError = atMost(values.description.trim(), DESCRIPTION_MAX_LENGTH);
  if (descriptionError) errors.description = descriptionError;
  const currency = normalCurrency(values);
  const currencyValid = CURRENCY_PATTERN.test(currency);
  if (mode === "create" && !currencyValid) {
    errors.currency = "Use a 3-letter currency code such as USD.";
  }
  const price = parseAmount(values.price, currencyValid ? currency : "USD");
  if (!price.ok) errors.price = price.error;
  if (mode === "create") {
    const stock = values.stock.trim();
    if (!/^\d+$/.test(stock)) errors.stock = "Enter a whole number of units, 0 or more.";
    else if (Number(stock) > MAX_INITIAL_STOCK) {
      errors.stock = `At most ${MAX_INITIAL_STOCK.toLocaleString("en-US")} units.`;
    }
  }
  return errors;
}

function priceAmount(values: ProductFormValues): number {
  const parsed = parseAmount(values.price, normalCurrency(values));
  if (!parsed.ok) throw new Error(`invalid price: ${parsed.error}`);
  return parsed.amount;
}

/** `createProduct`'s input from valid form values; a blank description is left out. */
export function toCreateProductInput(values: ProductFormValues): CreateProductInput {
  const description = values.description.trim();
  return {
    sku: values.sku.trim(),
    name: values.name.trim(),
    ...(description ? { description } : {}),
    price: { amount: priceAmount(values), currency: normalCurrency(values) },
    stock: Number(values.stock.trim()),
  };
}

/**
 * `updateProduct`'s input: only the fields that differ from `initial` (the product as
 * loaded); a cleared description is sent as null; the price keeps the product's currency.
 */
export function toUpdateProductInput(
  initial: ProductFormValues,
  values: ProductFormValues,
): UpdateProductInput {
  const input: UpdateProductInput = {};
  const sku = values.sku.trim();
  if (sku !== initial.sku) input.sku = sku;
  const name = values.name.trim();
  if (name !== initial.name.trim()) input.name = name;
  const description = values.description.trim();
  if (description !== initial.description.trim()) input.description = description || null;
  const amount = priceAmount({ ...values, currency: initial.currency });
  if (amount !== priceAmount(initial)) {
    input.price = { amount, currency: normalCurrency(initial) };
  }
  return input;
}

/**
 * The server's field messages (BAD_USER_INPUT `extensions.fields`, keyed by paths such as
 * `input.sku` or `input.price.amount`) placed under the form's fields.
 */
export function productFieldErrors(fields: Record<string, string>): ProductFormErrors {
  return placeFieldErrors(fields, PRODUCT_FIELDS, { amount: "price" });
}
