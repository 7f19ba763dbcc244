// The product form of the New product and Edit screens: fields, validation, server errors.
import { useState, type FormEvent } from "react";
import type { CombinedError } from "urql";
import { ErrorMessage } from "../../components/QueryState";
import { serverFieldMessages } from "../customers/serverFields";
import { TextField } from "../customers/TextField";
import {
  productFieldErrors,
  validateProductForm,
  type ProductFormErrors,
  type ProductFormMode,
  type ProductFormValues,
} from "./productForm";

/** Props of `ProductForm`. */
export interface ProductFormProps {
  /** "create" adds the Currency and Initial stock fields. */
  mode: ProductFormMode;
  /** The values the form starts with. */
  initial: ProductFormValues;
  /** The submit button's text ("Create product", "Save changes"). */
  submitLabel: string;
  /** Called with the values once they pass validation; never with invalid values. */
  onSubmit: (values: ProductFormValues) => void;
  /** True while the mutation runs (disables the button). */
  busy?: boolean;
  /** The mutation's error: shown in words, its field messages under their fields. */
  error?: CombinedError | undefined;
  /** Prefix of the controls' ids, unique on the page. */
  idPrefix?: string;
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
  const [values, setValues] = useState<ProductFormValues>(initial);
  const [errors, setErrors] = useState<ProductFormErrors>({});
  const [submittedError, setSubmittedError] = useState<CombinedError | undefined>(undefined);
  const serverError = error && error !== submittedError ? error : undefined;
  const shown: ProductFormErrors = {
    ...productFieldErrors(serverFieldMessages(serverError)),
    ...errors,
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateProductForm(values, mode);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setSubmittedError(error);
      return;
    }
    setSubmittedError(undefined);
    onSubmit(values);
  }

  const field = (name: keyof ProductFormValues) => ({
    id: `${idPrefix}-${name}`,
    value: values[name],
    onChange: (value: string) => setValues((current) => ({ ...current, [name]: value })),
    error: shown[name],
  });

  return (
    <form onSubmit={submit} noValidate>
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
      {serverError ? <ErrorMessage error={serverError} title="The product was not saved." /> : null}
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
