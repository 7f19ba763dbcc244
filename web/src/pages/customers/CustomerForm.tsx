// The customer form of the New customer and Edit screens: fields, validation, server errors.
import { TextField } from "../../components/Field";
import { Form, useForm } from "../../components/Form";
import type { RecordFormProps } from "../../components/FormSection";
import { customerFieldErrors, validateCustomerForm, type CustomerFormValues } from "./customerForm";

/** Props of `CustomerForm`. */
export type CustomerFormProps = RecordFormProps<CustomerFormValues>;

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
  const form = useForm({ initial, idPrefix, error, fieldErrors: customerFieldErrors });
  const { field } = form;

  function submit() {
    if (form.checked(validateCustomerForm(form.values))) onSubmit(form.values);
  }

  return (
    <Form
      onSubmit={submit}
      error={form.serverError}
      failedTitle="The customer was not saved."
      submitLabel={submitLabel}
      busy={busy}
    >
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
    </Form>
  );
}
