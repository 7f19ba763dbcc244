// /products/:id: the product's facts, edit form, stock adjustment, stock movements, delete.
import { useMemo, useState } from "react";
import { useLocation } from "react-router-dom";
import { useMutation, type CombinedError } from "urql";
import { Can } from "../../auth";
import { DeleteButton } from "../../components/DeleteButton";
import { TextField } from "../../components/Field";
import { Form, useForm } from "../../components/Form";
import { EditSection, FormSection } from "../../components/FormSection";
import { EmptyState, ErrorMessage, Notice } from "../../components/QueryState";
import { RecordPage } from "../../components/RecordPage";
import { numeric, TableHead } from "../../components/TableHead";
import {
  AdjustProductStockDocument,
  DeleteProductDocument,
  ProductDetailDocument,
  UpdateProductDocument,
  type ProductDetailQuery,
} from "../../graphql/generated";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { noticeFrom } from "../../lib/routeNotice";
import { LowStockMarker } from "./lowStock";
import { ProductForm } from "./ProductForm";
import { productFormValues, toUpdateProductInput } from "./productForm";
import {
  formatDelta,
  stockFieldErrors,
  validateStockAdjustment,
  type StockAdjustment,
  type StockAdjustmentValues,
} from "./stockAdjustment";

type Product = NonNullable<ProductDetailQuery["product"]>;

/**
 * The Product screen: facts, stock movements; "Delete product", "Adjust stock" and the edit
 * form with inventory:write.
 */
export function ProductDetailPage() {
  return (
    <RecordPage
      query={ProductDetailDocument}
      pick={(data) => data.product}
      title="Product"
      back={{ to: "/products", label: "Back to the products" }}
    >
      {(product, { error }) => <ProductView product={product} error={error} />}
    </RecordPage>
  );
}

function ProductView({ product, error }: { product: Product; error: CombinedError | undefined }) {
  const notice = noticeFrom(useLocation().state);
  return (
    <section>
      <h1>{product.name}</h1>
      <Notice message={notice} />
      <ErrorMessage error={error} />
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
      <Can scope="inventory:write">
        <DeleteButton
          mutation={DeleteProductDocument}
          record={product}
          noun="product"
          typename="Product"
          question={`Delete the product ${product.name} (${product.sku})? This cannot be undone.`}
          listPath="/products"
        />
        <AdjustStockSection product={product} />
      </Can>
      <MovementsSection movements={product.stockMovements} />
      <Can scope="inventory:write">
        <ProductEditSection product={product} />
      </Can>
    </section>
  );
}

/** Props of `AdjustStockForm`. */
export interface AdjustStockFormProps {
  /** The product's current numbers, to refuse removing reserved units. */
  product: { stock: number; reserved: number };
  /** Called with valid arguments only; resolves true when the stock changed (clears the form). */
  onSubmit: (adjustment: StockAdjustment) => Promise<boolean>;
  busy?: boolean;
  /** The mutation's error (CONFLICT, BAD_USER_INPUT) in words. */
  error?: CombinedError | undefined;
}

const NO_ADJUSTMENT: StockAdjustmentValues = { change: "", reason: "" };

/** The Change and Reason fields and the "Adjust stock" button, validated before sending. */
export function AdjustStockForm({ product, onSubmit, busy = false, error }: AdjustStockFormProps) {
  const form = useForm<StockAdjustmentValues>({
    initial: NO_ADJUSTMENT,
    idPrefix: "stock",
    error,
    fieldErrors: stockFieldErrors,
  });

  function submit() {
    const check = validateStockAdjustment(form.values, product);
    form.checked(check.ok ? {} : check.errors);
    if (!check.ok) return;
    void onSubmit(check.adjustment).then((done) => {
      if (done) form.setValues(NO_ADJUSTMENT);
    });
  }

  return (
    <Form
      onSubmit={submit}
      error={form.serverError}
      failedTitle="The stock was not changed."
      submitLabel="Adjust stock"
      busy={busy}
    >
      <TextField
        {...form.field("change")}
        label="Change"
        inputMode="numeric"
        hint="Units to add; a negative number removes units."
      />
      <TextField {...form.field("reason")} label="Reason" hint="E.g. delivery, stock count." />
    </Form>
  );
}

function AdjustStockSection({ product }: { product: Product }) {
  const [result, adjustStock] = useMutation(AdjustProductStockDocument);
  const [notice, setNotice] = useState<string | null>(null);

  async function submit(adjustment: StockAdjustment): Promise<boolean> {
    setNotice(null);
    const outcome = await adjustStock({ productId: product.id, ...adjustment });
    const adjusted = outcome.data?.adjustStock;
    if (outcome.error || !adjusted) return false;
    setNotice(`Stock is now ${adjusted.stock}.`);
    return true;
  }

  return (
    <FormSection title="Adjust stock" notice={notice}>
      <AdjustStockForm
        product={product}
        onSubmit={submit}
        busy={result.fetching}
        error={result.error}
      />
    </FormSection>
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
          <TableHead
            columns={[
              "When",
              numeric("Change"),
              "Reason",
              numeric("Stock after"),
              "Reference",
            ]}
          />
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

function ProductEditSection({ product }: { product: Product }) {
  const initial = useMemo(() => productFormValues(product), [product]);
  return (
    <EditSection
      mutation={UpdateProductDocument}
      id={product.id}
      initial={initial}
      changes={(values) => toUpdateProductInput(initial, values)}
      form={(props) => <ProductForm {...props} mode="edit" idPrefix="edit-product" />}
    />
  );
}
