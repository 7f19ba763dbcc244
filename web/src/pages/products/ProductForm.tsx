// The product form of the New product and Edit screens: fields, validation, server errors.
import { TextField } from "../../components/Field";
import { Form, useForm } from "../../components/Form";
import type { RecordFormProps } from "../../components/FormSection";
import {
  productFieldErrors,
  validateProductForm,
  type ProductFormMode,
  type ProductFormValues,
} from "./productForm";

/** Props of `ProductForm`. */
export interface ProductFormProps extends RecordFormProps<ProductFormValues> {
  /** "create" adds the Currency and Initial stock fields. */
  mode: ProductFormMode;
}

/**
 * SKU, name, description and price (plus currency and initial stock for a new product).
 * Validates before calling `onSubmit`: each invalid field shows its message and nothing is
 * sent.
 */
export function ProductForm({
  mode,
  initial,
  submitLabel,
  onSubmit,
  busy = false,
  error,
  idPrefix = "product",
}: ProductFormProps) {
  const form = useForm({ initial, idPrefix, error, fieldErrors: productFieldErrors });
  const { field } = form;

  function submit() {
    if (form.checked(validateProductForm(form.values, mode))) onSubmit(form.values);
  }

  return (
    <Form
      onSubmit={submit}
      error={form.serverError}
      failedTitle="The product was not saved."
      submitLabel={submitLabel}
      busy={busy}
    >
      <TextField {...field("sku")} label="SKU" hint="Letters, digits, '-' and '_'." />
      <TextField {...field("name")} label="Name" />
      <TextField {...field("description")} label="Description" multiline />
      <TextField
        {...field("price")}
        label="Price"
        inputMode="decimal"
        hint={
          mode === "create" ? "In major units, e.g. 12.50." : `In ${initial.currency}, e.g. 12.50.`
        }
      />
      {mode === "create" ? (
        <>
          <TextField {...field("currency")} label="Currency" hint="3 letters, e.g. USD." />
          <TextField {...field("stock")} label="Initial stock" inputMode="numeric" />
        </>
      ) : null}
    </Form>
  );
}
