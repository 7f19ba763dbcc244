// /products/:id: the product's facts, edit form, stock adjustment, stock movements, delete.
import { useMemo, useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { useMutation, useQuery, type CombinedError } from "urql";
import { EmptyState, ErrorMessage, Loading } from "../../components/QueryState";
import {
  AdjustProductStockDocument,
  DeleteProductDocument,
  ProductDetailDocument,
  UpdateProductDocument,
  type ProductDetailQuery,
} from "../../graphql/generated";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { isNotFound } from "../customers/notFound";
import { noticeFrom, withNotice } from "../customers/routeNotice";
import { serverFieldMessages } from "../customers/serverFields";
import { TextField } from "../customers/TextField";
import { LowStockMarker } from "./lowStock";
import { ProductForm } from "./ProductForm";
import { productFormValues, toUpdateProductInput, type ProductFormValues } from "./productForm";
import {
  formatDelta,
  validateStockAdjustment,
  type StockAdjustmentErrors,
  type StockAdjustmentValues,
} from "./stockAdjustment";

type Product = NonNullable<ProductDetailQuery["product"]>;

/** The Product screen: facts, delete, adjust stock, stock movements, edit. */
export function ProductDetailPage() {
  const { id = "" } = useParams();
  const location = useLocation();
  const [result] = useQuery({ query: ProductDetailDocument, variables: { id } });
  const product = result.data?.product;

  if (product === undefined) {
    return (
      <section>
        <h1>Product</h1>
        {result.error ? (
          <ErrorMessage error={result.error} title="The product could not be loaded." />
        ) : (
          <Loading what="Loading the product" />
        )}
      </section>
    );
  }
  if (product === null) {
    return (
      <section>
        <h1>Product not found</h1>
        {isNotFound(product, result.error) ? (
          <EmptyState action={<Link to="/products">Back to the products</Link>}>
            No product with id {id}.
          </EmptyState>
        ) : (
          <ErrorMessage error={result.error} title="The product could not be loaded." />
        )}
      </section>
    );
  }
  const notice = noticeFrom(location.state);
  return (
    <section>
      <h1>{product.name}</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorMessage error={result.error} />
      <section className="card" aria-label="Details">
        <dl className="facts">
          <dt>SKU</dt>
          <dd>{product.sku}</dd>
          <dt>Price</dt>
          <dd>{formatMoney(product.price)}</dd>
          <dt>Description</dt>
          <dd>{product.description ?? "—"}</dd>
          <dt>Stock</dt>
          <dd data-testid="product-stock">{product.stock}</dd>
          <dt>Reserved</dt>
          <dd data-testid="product-reserved">{product.reserved}</dd>
          <dt>Available</dt>
          <dd data-testid="product-available">
            {product.available}
            <LowStockMarker available={product.available} />
          </dd>
        </dl>
      </section>
      <DeleteProduct product={product} />
      <AdjustStockSection product={product} />
      <MovementsSection movements={product.stockMovements} />
      <EditSection product={product} />
    </section>
  );
}

function DeleteProduct({ product }: { product: Product }) {
  const navigate = useNavigate();
  const [result, deleteProduct] = useMutation(DeleteProductDocument);

  async function remove() {
    const question = `Delete the product ${product.name} (${product.sku})? This cannot be undone.`;
    if (!window.confirm(question)) return;
    const outcome = await deleteProduct({ id: product.id }, { additionalTypenames: ["Product"] });
    if (!outcome.error) {
      navigate("/products", { state: withNotice(`Product ${product.name} deleted.`) });
    }
  }

  return (
    <>
      <div className="toolbar">
        <button
          type="button"
          className="danger"
          disabled={result.fetching}
          onClick={() => void remove()}
        >
          Delete product
        </button>
      </div>
      <ErrorMessage error={result.error} title="The product was not deleted." />
    </>
  );
}

/** Props of `AdjustStockForm`. */
export interface AdjustStockFormProps {
  /** The product's current numbers, to refuse removing reserved units. */
  product: { stock: number; reserved: number };
  /** Called with valid arguments only; resolves true when the stock changed (clears the form). */
  onSubmit: (adjustment: { delta: number; reason: string }) => Promise<boolean>;
  busy?: boolean;
  /** The mutation's error (CONFLICT, BAD_USER_INPUT) in words. */
  error?: CombinedError | undefined;
}

/** The Change and Reason fields and the "Adjust stock" button, validated before sending. */
export function AdjustStockForm({ product, onSubmit, busy = false, error }: AdjustStockFormProps) {
  const [values, setValues] = useState<StockAdjustmentValues>({ change: "", reason: "" });
  const [errors, setErrors] = useState<StockAdjustmentErrors>({});
  const [submittedError, setSubmittedError] = useState<CombinedError | undefined>(undefined);
  const serverError = error && error !== submittedError ? error : undefined;
  const server = serverFieldMessages(serverError);
  const shown: StockAdjustmentErrors = {
    ...(server.delta ? { change: server.delta } : {}),
    ...(server.reason ? { reason: server.reason } : {}),
    ...errors,
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const check = validateStockAdjustment(values, product);
    if (!check.ok) {
      setErrors(check.errors);
      setSubmittedError(error);
      return;
    }
    setErrors({});
    setSubmittedError(undefined);
    void onSubmit(check.adjustment).then((done) => {
      if (done) setValues({ change: "", reason: "" });
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <TextField
        id="stock-change"
        label="Change"
        inputMode="numeric"
        hint="Units to add; a negative number removes units."
        value={values.change}
        onChange={(change) => setValues((current) => ({ ...current, change }))}
        error={shown.change}
      />
      <TextField
        id="stock-reason"
        label="Reason"
        hint="E.g. delivery, stock count."
        value={values.reason}
        onChange={(reason) => setValues((current) => ({ ...current, reason }))}
        error={shown.reason}
      />
      {serverError ? <ErrorMessage error={serverError} title="The stock was not changed." /> : null}
      <button type="submit" disabled={busy}>
        Adjust stock
      </button>
    </form>
  );
}

function AdjustStockSection({ product }: { product: Product }) {
  const [result, adjustStock] = useMutation(AdjustProductStockDocument);
  const [notice, setNotice] = useState<string | null>(null);

  async function submit(adjustment: { delta: number; reason: string }): Promise<boolean> {
    setNotice(null);
    const outcome = await adjustStock({ productId: product.id, ...adjustment });
    const adjusted = outcome.data?.adjustStock;
    if (outcome.error || !adjusted) return false;
    setNotice(`Stock is now ${adjusted.stock}.`);
    return true;
  }

  return (
    <section className="card">
      <h2>Adjust stock</h2>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <AdjustStockForm
        product={product}
        onSubmit={submit}
        busy={result.fetching}
        error={result.error}
      />
    </section>
  );
}

function MovementsSection({ movements }: { movements: Product["stockMovements"] }) {
  return (
    <section>
      <h2>Stock movements</h2>
      {movements.length === 0 ? (
        <EmptyState>No stock movements yet.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col" className="num">
                Change
              </th>
              <th scope="col">Reason</th>
              <th scope="col" className="num">
                Stock after
              </th>
              <th scope="col">Reference</th>
            </tr>
          </thead>
          <tbody>
            {movements.map((movement) => (
              <tr key={movement.id}>
                <td>{formatDateTime(movement.createdAt)}</td>
                <td className="num">{formatDelta(movement.delta)}</td>
                <td>{movement.reason}</td>
                <td className="num">{movement.stockAfter}</td>
                <td>{movement.reference ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EditSection({ product }: { product: Product }) {
  const [result, updateProduct] = useMutation(UpdateProductDocument);
  const [notice, setNotice] = useState<string | null>(null);
  const initial = useMemo(() => productFormValues(product), [product]);

  async function submit(values: ProductFormValues) {
    const input = toUpdateProductInput(initial, values);
    if (Object.keys(input).length === 0) {
      setNotice("Nothing changed.");
      return;
    }
    setNotice(null);
    const outcome = await updateProduct({ id: product.id, input });
    if (!outcome.error) setNotice("Changes saved.");
  }

  return (
    <section className="card">
      <h2>Edit</h2>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ProductForm
        key={JSON.stringify(initial)}
        mode="edit"
        initial={initial}
        submitLabel="Save changes"
        onSubmit={(values) => void submit(values)}
        busy={result.fetching}
        error={result.error}
        idPrefix="edit-product"
      />
    </section>
  );
}
