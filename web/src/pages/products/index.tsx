// The Products screens: list, detail (edit, stock, movements), new product.
export { ProductsPage } from "./ProductsPage";
export { ProductDetailPage } from "./ProductDetailPage";
export { NewProductPage } from "./NewProductPage";
