// The customer form of the New customer and Edit screens: fields, validation, server errors.
import { useState, type FormEvent } from "react";
import type { CombinedError } from "urql";
import { ErrorMessage } from "../../components/QueryState";
import {
  customerFieldErrors,
  validateCustomerForm,
  type CustomerFormErrors,
  type CustomerFormValues,
} from "./customerForm";
import { serverFieldMessages } from "./serverFields";
import { TextField } from "./TextField";

/** Props of `CustomerForm`. */
export interface CustomerFormProps {
  /** The values the form starts with (empty for a new customer). */
  initial: CustomerFormValues;
  /** The submit button's text ("Create customer", "Save changes"). */
  submitLabel: string;
  /** Called with the values once they pass validation; never with invalid values. */
  onSubmit: (values: CustomerFormValues) => void;
  /** True while the mutation runs (disables the button). */
  busy?: boolean;
  /** The mutation's error: shown in words, its field messages under their fields. */
  error?: CombinedError | undefined;
  /** Prefix of the controls' ids, unique on the page. */
  idPrefix?: string;
}

const ADDRESS_HINT = "Leave the address empty, or fill line 1, city, postal code and country.";

/**
 * The customer's name, email, phone and address. Validates before calling `onSubmit`: each
 * invalid field shows its message (`.field-error`, `aria-invalid`) and nothing is sent.
 */
export function CustomerForm({
  initial,
  submitLabel,
  onSubmit,
  busy = false,
  error,
  idPrefix = "customer",
}: CustomerFormProps) {
  const [values, setValues] = useState<CustomerFormValues>(initial);
  const [errors, setErrors] = useState<CustomerFormErrors>({});
  const [submittedError, setSubmittedError] = useState<CombinedError | undefined>(undefined);
  // Server messages belong to the last submission: hidden once the form finds its own errors.
  const serverErrors =
    error && error !== submittedError ? customerFieldErrors(serverFieldMessages(error)) : {};
  const shown: CustomerFormErrors = { ...serverErrors, ...errors };

  function set(field: keyof CustomerFormValues) {
    return (value: string) => setValues((current) => ({ ...current, [field]: value }));
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateCustomerForm(values);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setSubmittedError(error);
      return;
    }
    setSubmittedError(undefined);
    onSubmit(values);
  }

  const field = (name: keyof CustomerFormValues) => ({
    id: `${idPrefix}-${name}`,
    value: values[name],
    onChange: set(name),
    error: shown[name],
  });

  return (
    <form onSubmit={submit} noValidate>
      <TextField {...field("name")} label="Name" autoComplete="name" />
      <TextField {...field("email")} label="Email" type="email" autoComplete="email" />
      <TextField
        {...field("phone")}
        label="Phone"
        type="tel"
        autoComplete="tel"
        hint="Optional: digits, spaces and + - ( )."
      />
      <fieldset className="card">
        <legend>Address</legend>
        <small>{ADDRESS_HINT}</small>
        <TextField {...field("line1")} label="Address line 1" autoComplete="address-line1" />
        <TextField {...field("line2")} label="Address line 2" autoComplete="address-line2" />
        <TextField {...field("city")} label="City" autoComplete="address-level2" />
        <TextField {...field("postalCode")} label="Postal code" autoComplete="postal-code" />
        <TextField
          {...field("country")}
          label="Country"
          autoComplete="country"
          hint="2-letter code, e.g. GB."
        />
      </fieldset>
      {error && error !== submittedError ? (
        <ErrorMessage error={error} title="The customer was not saved." />
      ) : null}
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
