// /products: search, "In stock only", a page of products with low-stock markers, paging.
import { Link, useLocation } from "react-router-dom";
import { useQuery } from "urql";
import { Can } from "../../auth";
import { Pager, useCursorPager, useListFilter } from "../../components/Pager";
import { ListState, Notice } from "../../components/QueryState";
import { SearchBox, useDebouncedSearch } from "../../components/SearchBox";
import { numeric, TableHead } from "../../components/TableHead";
import { ProductListDocument } from "../../graphql/generated";
import { formatMoney } from "../../lib/money";
import { noticeFrom } from "../../lib/routeNotice";
import { isLowStock, LowStockMarker } from "./lowStock";

/** Products a page. */
export const PRODUCTS_PAGE_SIZE = 20;

/**
 * The Products screen: search (SKU or name), "In stock only", the table and the pager; "New
 * product" with inventory:write.
 */
export function ProductsPage() {
  const pager = useCursorPager();
  const searchBox = useDebouncedSearch({ pager });
  const { search } = searchBox;
  const [inStockOnly, setInStockOnly] = useListFilter(pager, false);
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

  return (
    <section>
      <h1>Products</h1>
      <Notice message={notice} />
      <div className="toolbar">
        <SearchBox id="product-search" placeholder="SKU or name" search={searchBox} />
        <input
          id="product-in-stock"
          type="checkbox"
          checked={inStockOnly}
          onChange={(event) => setInStockOnly(event.target.checked)}
        />
        <label htmlFor="product-in-stock">In stock only</label>
        <Can scope="inventory:write">
          <Link to="/products/new">New product</Link>
        </Can>
      </div>
      <ListState
        result={result}
        connection={result.data?.products}
        what="products"
        empty={emptyText(search, inStockOnly)}
      >
        {(connection) => (
          <>
            <table>
              <TableHead
                columns={[
                  "SKU",
                  "Name",
                  numeric("Price"),
                  numeric("Stock"),
                  numeric("Reserved"),
                  numeric("Available"),
                ]}
              />
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
            <Pager
              pager={pager}
              pageInfo={connection.pageInfo}
              totalCount={connection.totalCount}
            />
          </>
        )}
      </ListState>
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
