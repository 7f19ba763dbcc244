// The customer form's values, its validation (the customers subgraph's rules, checked before
// sending) and the mutation inputs built from it.
import type {
  AddressInput,
  CreateCustomerInput,
  UpdateCustomerInput,
} from "../../graphql/generated";
import { atMost, placeFieldErrors, required, type FormErrors } from "../../lib/forms";

/** What the customer form holds: every field as typed. */
export interface CustomerFormValues {
  name: string;
  email: string;
  phone: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  country: string;
}

/** A message per invalid field of the customer form. */
export type CustomerFormErrors = FormErrors<CustomerFormValues>;

/** The values of an empty form (new customer). */
export const EMPTY_CUSTOMER_FORM: CustomerFormValues = {
  name: "",
  email: "",
  phone: "",
  line1: "",
  line2: "",
  city: "",
  postalCode: "",
  country: "",
};

/** Longest name, in characters (the customers subgraph's `NAME_MAX_LENGTH`). */
export const NAME_MAX_LENGTH = 200;

/** A phone number: 5 to 32 digits, spaces and + - ( ) (the subgraph's `PHONE_PATTERN`). */
const PHONE_PATTERN = /^[0-9 +()-]{5,32}$/;

/** A plausible email address: something@domain.tld, no spaces. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

const COUNTRY_PATTERN = /^[A-Za-z]{2}$/;

const ADDRESS_FIELDS = ["line1", "line2", "city", "postalCode", "country"] as const;

const CUSTOMER_FIELDS = Object.keys(EMPTY_CUSTOMER_FORM) as (keyof CustomerFormValues)[];

/** The form's values for an existing customer (the edit form's starting point). */
export function customerFormValues(customer: {
  name: string;
  email: string;
  phone: string | null;
  address: {
    line1: string;
    line2: string | null;
    city: string;
    postalCode: string;
    country: string;
  } | null;
}): CustomerFormValues {
  const address = customer.address;
  return {
    name: customer.name,
    email: customer.email,
    phone: customer.phone ?? "",
    line1: address?.line1 ?? "",
    line2: address?.line2 ?? "",
    city: address?.city ?? "",
    postalCode: address?.postalCode ?? "",
    country: address?.country ?? "",
  };
}

/** True when any address field has text: then the address must be complete. */
export function hasAddress(values: CustomerFormValues): boolean {
  return ADDRESS_FIELDS.some((field) => values[field].trim() !== "");
}

/**
 * Checks the form as the customers subgraph would: name 1-200 characters (trimmed), a
 * plausible email, phone blank or 5-32 of digits, spaces and + - ( ), and an address that is
 * either empty or has line 1, city, postal code and a 2-letter country.
 *
 * Returns a message per invalid field; an empty object when the form can be sent.
 */
export function validateCustomerForm(values: CustomerFormValues): CustomerFormErrors {
  const errors: CustomerFormErrors = {};
  const name = values.name.trim();
  const email = values.email.trim();
  const phone = values.phone.trim();
  const nameError = required(name, "Enter a name.", NAME_MAX_LENGTH);
  if (nameError) errors.name = nameError;
  if (email === "") errors.email = "Enter an email address.";
  else if (!EMAIL_PATTERN.test(email) || email.length > 320) {
    errors.email = "Enter an email address such as ada@example.com.";
  }
  if (phone !== "" && !PHONE_PATTERN.test(phone)) {
    errors.phone = "Use 5 to 32 digits, spaces and + - ( ), or leave it blank.";
  }
  if (hasAddress(values)) {
    const line1 = required(values.line1.trim(), "Enter the first address line.", 200);
    const line2 = atMost(values.line2.trim(), 200);
    const city = required(values.city.trim(), "Enter the city.", 100);
    const postalCode = required(values.postalCode.trim(), "Enter the postal code.", 20);
    const country = values.country.trim();
    if (line1) errors.line1 = line1;
    if (line2) errors.line2 = line2;
    if (city) errors.city = city;
    if (postalCode) errors.postalCode = postalCode;
    if (country === "") errors.country = "Enter the country code, e.g. GB.";
    else if (!COUNTRY_PATTERN.test(country)) {
      errors.country = "Use a 2-letter country code such as GB.";
    }
  }
  return errors;
}

/** The address of valid form values, trimmed with the country upper-cased; null when empty. */
export function addressInput(values: CustomerFormValues): AddressInput | null {
  if (!hasAddress(values)) return null;
  const line2 = values.line2.trim();
  return {
    line1: values.line1.trim(),
    ...(line2 ? { line2 } : {}),
    city: values.city.trim(),
    postalCode: values.postalCode.trim(),
    country: values.country.trim().toUpperCase(),
  };
}

/** `createCustomer`'s input from valid form values; blank phone and address are left out. */
export function toCreateCustomerInput(values: CustomerFormValues): CreateCustomerInput {
  const phone = values.phone.trim();
  const address = addressInput(values);
  return {
    name: values.name.trim(),
    email: values.email.trim(),
    ...(phone ? { phone } : {}),
    ...(address ? { address } : {}),
  };
}

function sameAddress(a: AddressInput | null, b: AddressInput | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.line1 === b.line1 &&
    (a.line2 ?? "") === (b.line2 ?? "") &&
    a.city === b.city &&
    a.postalCode === b.postalCode &&
    a.country === b.country
  );
}

/**
 * `updateCustomer`'s input: only the fields that differ from `initial` (the customer as
 * loaded). A cleared phone or address is sent as null; an address is sent whole.
 */
export function toUpdateCustomerInput(
  initial: CustomerFormValues,
  values: CustomerFormValues,
): UpdateCustomerInput {
  const input: UpdateCustomerInput = {};
  const name = values.name.trim();
  if (name !== initial.name.trim()) input.name = name;
  const email = values.email.trim();
  if (email.toLowerCase() !== initial.email.trim().toLowerCase()) input.email = email;
  const phone = values.phone.trim();
  if (phone !== initial.phone.trim()) input.phone = phone || null;
  const address = addressInput(values);
  if (!sameAddress(address, addressInput(initial))) input.address = address;
  return input;
}

/**
 * The server's field messages (BAD_USER_INPUT `extensions.fields`, keyed by paths such as
 * `input.email` or `input.address.postalCode`) placed under the form's fields; a message about
 * the whole address goes under its first line.
 */
export function customerFieldErrors(fields: Record<string, string>): CustomerFormErrors {
  return placeFieldErrors(fields, CUSTOMER_FIELDS, { address: "line1" });
}
