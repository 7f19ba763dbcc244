// /products/new: the form for a new product; on success, the new product's page.
import { useCreateRecord } from "../../components/useCreateRecord";
import { CreateProductDocument } from "../../graphql/generated";
import { ProductForm } from "./ProductForm";
import { EMPTY_PRODUCT_FORM, toCreateProductInput } from "./productForm";

/** The New product screen: validates, sends `createProduct`, opens the new product. */
export function NewProductPage() {
  const [result, create] = useCreateRecord(CreateProductDocument, {
    typename: "Product",
    listPath: "/products",
    created: (data) => data.createProduct,
  });
  return (
    <section>
      <h1>New product</h1>
      <ProductForm
        mode="create"
        initial={EMPTY_PRODUCT_FORM}
        submitLabel="Create product"
        onSubmit={(values) => void create(toCreateProductInput(values))}
        busy={result.fetching}
        error={result.error}
      />
    </section>
  );
}
