// /products: search, "In stock only", a page of products with low-stock markers, paging.
import { useState } from "react";
import { Link, useLocation } from "react-router-dom";
import { useQuery } from "urql";
import { Pager, useCursorPager } from "../../components/Pager";
import { EmptyState, ErrorMessage, Loading } from "../../components/QueryState";
import { ProductListDocument } from "../../graphql/generated";
import { formatMoney } from "../../lib/money";
import { noticeFrom } from "../customers/routeNotice";
import { useDebouncedSearch } from "../customers/useDebouncedSearch";
import { isLowStock, LowStockMarker } from "./lowStock";

/** Products a page. */
export const PRODUCTS_PAGE_SIZE = 20;

/** The Products screen: search (SKU or name), "In stock only", the table and the pager. */
export function ProductsPage() {
  const pager = useCursorPager();
  const { text, setText, search } = useDebouncedSearch(pager);
  const [inStockOnly, setInStockOnly] = useState(false);
  const notice = noticeFrom(useLocation().state);
  const [result] = useQuery({
    query: ProductListDocument,
    variables: {
      first: PRODUCTS_PAGE_SIZE,
      after: pager.after ?? null,
      search: search ?? null,
      inStock: inStockOnly ? true : null,
    },
  });
  const connection = result.data?.products;

  return (
    <section>
      <h1>Products</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div className="toolbar">
        <label htmlFor="product-search">Search</label>
        <input
          id="product-search"
          type="search"
          value={text}
          placeholder="SKU or name"
          onChange={(event) => setText(event.target.value)}
        />
        <input
          id="product-in-stock"
          type="checkbox"
          checked={inStockOnly}
          onChange={(event) => {
            setInStockOnly(event.target.checked);
            pager.reset();
          }}
        />
        <label htmlFor="product-in-stock">In stock only</label>
        <Link to="/products/new">New product</Link>
      </div>
      <ErrorMessage error={result.error} title="The products could not be loaded." />
      {!connection ? (
        result.fetching ? <Loading what="Loading products" /> : null
      ) : connection.nodes.length === 0 ? (
        <EmptyState>{emptyText(search, inStockOnly)}</EmptyState>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col" className="num">
                  Stock
                </th>
                <th scope="col" className="num">
                  Reserved
                </th>
                <th scope="col" className="num">
                  Available
                </th>
              </tr>
            </thead>
            <tbody>
              {connection.nodes.map((product) => (
                <tr
                  key={product.id}
                  data-low-stock={isLowStock(product.available) ? "true" : undefined}
                >
                  <td>{product.sku}</td>
                  <td>
                    <Link to={`/products/${encodeURIComponent(product.id)}`}>{product.name}</Link>
                  </td>
                  <td className="num">{formatMoney(product.price)}</td>
                  <td className="num">{product.stock}</td>
                  <td className="num">{product.reserved}</td>
                  <td className="num">
                    {product.available}
                    <LowStockMarker available={product.available} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pager={pager} pageInfo={connection.pageInfo} totalCount={connection.totalCount} />
        </>
      )}
    </section>
  );
}

/** The empty list's sentence for the current filters. */
export function emptyText(search: string | undefined, inStockOnly: boolean): string {
  if (search) {
    return `No products match “${search}”${inStockOnly ? " with units in stock" : ""}.`;
  }
  return inStockOnly ? "No products have units in stock." : "No products yet.";
}
