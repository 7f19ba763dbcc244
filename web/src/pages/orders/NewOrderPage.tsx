// /orders/new: choose a customer and products, check the form, place the order.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";
import { Field, SelectField } from "../../components/Field";
import { ErrorMessage } from "../../components/QueryState";
import {
  NewOrderCustomerDocument,
  NewOrderPlaceDocument,
  NewOrderProductsDocument,
} from "../../graphql/generated";
import {
  MAX_LINES,
  formatTotals,
  newIdempotencyKey,
  orderTotals,
  outOfStockMessage,
  productOptionLabel,
  validateOrder,
  type OrderFormErrors,
  type OrderLine,
  type ProductChoice,
} from "./logic";
import { CustomerPicker, type CustomerChoice } from "./CustomerPicker";

/** How many products the picker offers (the API's largest page). */
const PRODUCTS_OFFERED = 100;

/**
 * The new-order form. `?customerId=` preselects that customer. The idempotency key is made
 * once per form and kept across retries, so a retry after a lost answer cannot place the order
 * twice; a success makes a new one and opens the order.
 */
export function NewOrderPage() {
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const presetId = searchParams.get("customerId");
  const [presetResult] = useQuery({
    query: NewOrderCustomerDocument,
    variables: { id: presetId ?? "" },
    pause: !presetId,
  });
  const [productsResult, reexecuteProducts] = useQuery({
    query: NewOrderProductsDocument,
    variables: { first: PRODUCTS_OFFERED },
  });
  const [placeResult, placeOrder] = useMutation(NewOrderPlaceDocument);

  // undefined: not chosen by hand yet, so the customer of ?customerId= (once loaded) is used.
  const [chosen, setChosen] = useState<CustomerChoice | null | undefined>(undefined);
  const nextKey = useRef(2);
  const [lines, setLines] = useState<OrderLine[]>([{ key: 1, productId: "", quantity: "1" }]);
  const [errors, setErrors] = useState<OrderFormErrors>({ byLine: {} });
  const [idempotencyKey, setIdempotencyKey] = useState(() => newIdempotencyKey());

  const preset = presetId ? (presetResult.data?.customer ?? null) : null;
  const customer = chosen === undefined ? preset : chosen;
  const presetMissing = Boolean(presetId && presetResult.data && !presetResult.data.customer);
  const customerError =
    errors.customer ??
    (presetMissing && chosen === undefined ? `No customer with id ${presetId ?? ""}.` : undefined);
  const products: ProductChoice[] = productsResult.data?.products.nodes ?? [];
  const totals = orderTotals(lines, products);
  const stockMessage = outOfStockMessage(placeResult.error, products);

  // After OUT_OF_STOCK the available units shown are stale: ask inventory again.
  useEffect(() => {
    if (stockMessage) reexecuteProducts({ requestPolicy: "network-only" });
  }, [stockMessage, reexecuteProducts]);

  function updateLine(key: number, change: Partial<Omit<OrderLine, "key">>): void {
    setLines((current) =>
      current.map((line) => (line.key === key ? { ...line, ...change } : line)),
    );
  }

  function addLine(): void {
    const key = nextKey.current;
    nextKey.current += 1;
    setLines((current) => [...current, { key, productId: "", quantity: "1" }]);
  }

  function removeLine(key: number): void {
    setLines((current) => current.filter((line) => line.key !== key));
  }

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const checked = validateOrder(customer?.id ?? null, lines, products);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({ byLine: {} });
    const response = await placeOrder({
      customerId: checked.customerId,
      items: checked.items,
      idempotencyKey,
    });
    const placed = response.data?.placeOrder;
    if (!response.error && placed) {
      setIdempotencyKey(newIdempotencyKey());
      navigate(`/orders/${placed.id}`);
    }
  }

  return (
    <section>
      <h1>Place an order</h1>
      <ErrorMessage error={presetResult.error} title="The customer could not be loaded." />
      <ErrorMessage error={productsResult.error} title="The products could not be loaded." />
      <form onSubmit={(event) => void submit(event)} noValidate>
        <CustomerPicker
          chosen={customer}
          onChoose={(choice) => setChosen(choice)}
          error={customerError}
        />

        <h2>Products</h2>
        {lines.map((line, index) => {
          const lineErrors = errors.byLine[line.key] ?? {};
          const lineId = `order-line-${line.key}`;
          // Screen readers hear "Product line 2": the visible label plus the hidden line number.
          const numberId = `${lineId}-number`;
          return (
            <div
              key={line.key}
              className="toolbar order-line"
              role="group"
              aria-labelledby={numberId}
            >
              <span id={numberId} hidden>
                line {index + 1}
              </span>
              <SelectField
                id={`${lineId}-product`}
                label="Product"
                labelledBy={numberId}
                value={line.productId}
                onChange={(productId) => updateLine(line.key, { productId })}
                error={lineErrors.product}
              >
                <option value="">
                  {productsResult.fetching && products.length === 0
                    ? "Loading products…"
                    : "Choose a product…"}
                </option>
                {products.map((product) => (
                  <option key={product.id} value={product.id}>
                    {productOptionLabel(product)}
                  </option>
                ))}
              </SelectField>
              <Field
                id={`${lineId}-quantity`}
                label="Quantity"
                labelledBy={numberId}
                error={lineErrors.quantity}
              >
                {(control) => (
                  <input
                    {...control}
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={1000}
                    step={1}
                    value={line.quantity}
                    onChange={(event) => updateLine(line.key, { quantity: event.target.value })}
                  />
                )}
              </Field>
              <button type="button" className="secondary" onClick={() => removeLine(line.key)}>
                Remove
              </button>
            </div>
          );
        })}
        {errors.lines ? <p className="field-error">{errors.lines}</p> : null}
        <div className="toolbar">
          <button
            type="button"
            className="secondary"
            onClick={addLine}
            disabled={lines.length >= MAX_LINES}
          >
            Add a product
          </button>
        </div>
        <p aria-live="polite">
          Total: <strong data-testid="order-total">{formatTotals(totals)}</strong>
        </p>

        {stockMessage ? (
          <div className="error" role="alert" data-code="OUT_OF_STOCK">
            <strong>The order was not placed.</strong> {stockMessage}
          </div>
        ) : (
          <ErrorMessage error={placeResult.error} title="The order was not placed." />
        )}
        <button type="submit" disabled={placeResult.fetching}>
          Place order
        </button>
      </form>
    </section>
  );
}
