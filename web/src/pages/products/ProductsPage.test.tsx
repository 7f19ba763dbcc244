import { describe, expect, it } from "vitest";
import {
  byLabel,
  check,
  link,
  queryText,
  renderAt,
  waitFor,
} from "../../testing";
import { emptyText, ProductsPage } from "./ProductsPage";

function product(id: string, available: number) {
  return {
    __typename: "Product",
    id,
    sku: `SKU-${id}`,
    name: `Product ${id}`,
    price: { __typename: "Money", amount: 999, currency: "USD" },
    stock: available + 1,
    reserved: 1,
    available,
  };
}

describe("ProductsPage", () => {
  it("marks rows with 10 or fewer units available", async () => {
    const page = {
      nodes: [product("1", 10), product("2", 11)],
      pageInfo: { hasNextPage: false, endCursor: "c2" },
      totalCount: 2,
    };
    await renderAt(<ProductsPage />, "/products", {
      answers: { ProductList: () => ({ data: { products: page } }) },
    });
    expect(link("Product 1").getAttribute("href")).toBe("/products/1");
    expect(link("New product").getAttribute("href")).toBe("/products/new");
    const rows = Array.from(document.querySelectorAll("tbody tr"));
    expect(rows.map((row) => row.getAttribute("data-low-stock"))).toEqual(["true", null]);
    expect(rows[0]?.querySelector("span.low-stock")?.textContent).toBe("Low stock");
    expect(rows[1]?.querySelector(".low-stock")).toBeNull();
    expect(queryText("$9.99", rows[0])).not.toBeNull();
  });

  it("asks for in-stock products only when the box is ticked", async () => {
    const { queries } = await renderAt(<ProductsPage />, "/products");
    expect(queries.at(-1)?.variables).toEqual({
      first: 20,
      after: null,
      search: null,
      inStock: null,
    });
    await check(byLabel("In stock only"), true);
    await waitFor(() => expect(queries.at(-1)?.variables.inStock).toBe(true));
  });
});

describe("emptyText", () => {
  it("names the filters", () => {
    expect(emptyText(undefined, false)).toBe("No products yet.");
    expect(emptyText("bolt", false)).toBe("No products match “bolt”.");
    expect(emptyText(undefined, true)).toBe("No products have units in stock.");
  });
});
