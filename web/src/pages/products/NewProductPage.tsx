// /products/new: the form for a new product; on success, the new product's page.
import { useNavigate } from "react-router-dom";
import { useMutation } from "urql";
import { CreateProductDocument } from "../../graphql/generated";
import { withNotice } from "../customers/routeNotice";
import { ProductForm } from "./ProductForm";
import { EMPTY_PRODUCT_FORM, toCreateProductInput, type ProductFormValues } from "./productForm";

/** The New product screen: validates, sends `createProduct`, opens the new product. */
export function NewProductPage() {
  const navigate = useNavigate();
  const [result, createProduct] = useMutation(CreateProductDocument);

  async function submit(values: ProductFormValues) {
    const outcome = await createProduct(
      { input: toCreateProductInput(values) },
      { additionalTypenames: ["Product"] },
    );
    const created = outcome.data?.createProduct;
    if (!outcome.error && created) {
      navigate(`/products/${encodeURIComponent(created.id)}`, {
        state: withNotice(`Product ${created.name} created.`),
      });
    }
  }

  return (
    <section>
      <h1>New product</h1>
      <ProductForm
        mode="create"
        initial={EMPTY_PRODUCT_FORM}
        submitLabel="Create product"
        onSubmit={(values) => void submit(values)}
        busy={result.fetching}
        error={result.error}
      />
    </section>
  );
}
