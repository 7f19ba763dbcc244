import { describe, expect, it } from "vitest";
import {
  EMPTY_CUSTOMER_FORM,
  customerFieldErrors,
  customerFormValues,
  toCreateCustomerInput,
  toUpdateCustomerInput,
  validateCustomerForm,
  type CustomerFormValues,
} from "./customerForm";

const ADA: CustomerFormValues = {
  ...EMPTY_CUSTOMER_FORM,
  name: "Ada Lovelace",
  email: "ada@example.com",
};

const WITH_ADDRESS: CustomerFormValues = {
  ...ADA,
  phone: "+44 20 7946 0000",
  line1: "12 Marylebone Road",
  line2: "",
  city: "London",
  postalCode: "NW1 5LR",
  country: "GB",
};

describe("validateCustomerForm", () => {
  it("accepts a name and an email alone, and a full address", () => {
    expect(validateCustomerForm(ADA)).toEqual({});
    expect(validateCustomerForm(WITH_ADDRESS)).toEqual({});
    expect(validateCustomerForm({ ...WITH_ADDRESS, country: "gb" })).toEqual({});
  });

  it("wants a trimmed name of 1 to 200 characters", () => {
    expect(validateCustomerForm({ ...ADA, name: "   " }).name).toBe("Enter a name.");
    expect(validateCustomerForm({ ...ADA, name: "x".repeat(200) }).name).toBeUndefined();
    expect(validateCustomerForm({ ...ADA, name: "x".repeat(201) }).name).toBe(
      "At most 200 characters.",
    );
    expect(validateCustomerForm({ ...ADA, name: ` ${"x".repeat(200)} ` }).name).toBeUndefined();
  });

  it("wants a plausible email address", () => {
    expect(validateCustomerForm({ ...ADA, email: "" }).email).toBe("Enter an email address.");
    for (const email of ["not-an-email", "ada@", "@example.com", "ada@example", "a da@x.io"]) {
      expect(validateCustomerForm({ ...ADA, email }).email).toMatch(/such as/);
    }
    const email = " ada@mail.example.co.uk ";
    expect(validateCustomerForm({ ...ADA, email }).email).toBeUndefined();
  });

  it("takes a blank phone, or 5 to 32 digits, spaces and + - ( )", () => {
    expect(validateCustomerForm({ ...ADA, phone: "  " }).phone).toBeUndefined();
    expect(validateCustomerForm({ ...ADA, phone: "+1 (555) 010-9999" }).phone).toBeUndefined();
    expect(validateCustomerForm({ ...ADA, phone: "1234" }).phone).toBeDefined();
    expect(validateCustomerForm({ ...ADA, phone: "1".repeat(33) }).phone).toBeDefined();
    expect(validateCustomerForm({ ...ADA, phone: "555-CALL-ME" }).phone).toBeDefined();
  });

  it("wants all of the address once any of it is filled", () => {
    const errors = validateCustomerForm({ ...ADA, line2: "Flat 3" });
    expect(Object.keys(errors).sort()).toEqual(["city", "country", "line1", "postalCode"]);
    expect(validateCustomerForm({ ...WITH_ADDRESS, city: "" })).toEqual({
      city: "Enter the city.",
    });
  });

  it("wants a 2-letter country code", () => {
    expect(validateCustomerForm({ ...WITH_ADDRESS, country: "GBR" }).country).toBe(
      "Use a 2-letter country code such as GB.",
    );
    expect(validateCustomerForm({ ...WITH_ADDRESS, country: "G1" }).country).toBeDefined();
    expect(validateCustomerForm({ ...WITH_ADDRESS, postalCode: "x".repeat(21) }).postalCode).toBe(
      "At most 20 characters.",
    );
  });
});

describe("toCreateCustomerInput", () => {
  it("trims, leaves blanks out and upper-cases the country", () => {
    expect(toCreateCustomerInput({ ...ADA, name: " Ada Lovelace ", phone: " " })).toEqual({
      name: "Ada Lovelace",
      email: "ada@example.com",
    });
    expect(toCreateCustomerInput({ ...WITH_ADDRESS, country: "gb", line2: " Flat 3 " })).toEqual({
      name: "Ada Lovelace",
      email: "ada@example.com",
      phone: "+44 20 7946 0000",
      address: {
        line1: "12 Marylebone Road",
        line2: "Flat 3",
        city: "London",
        postalCode: "NW1 5LR",
        country: "GB",
      },
    });
  });
});

describe("toUpdateCustomerInput", () => {
  const loaded = customerFormValues({
    name: "Ada Lovelace",
    email: "ada@example.com",
    phone: "+44 20 7946 0000",
    address: {
      line1: "12 Marylebone Road",
      line2: null,
      city: "London",
      postalCode: "NW1 5LR",
      country: "GB",
    },
  });

  it("sends nothing when nothing changed", () => {
    expect(loaded).toEqual(WITH_ADDRESS);
    expect(toUpdateCustomerInput(loaded, { ...loaded, name: " Ada Lovelace " })).toEqual({});
    expect(toUpdateCustomerInput(loaded, { ...loaded, email: "ADA@example.com" })).toEqual({});
  });

  it("sends only the changed fields", () => {
    expect(toUpdateCustomerInput(loaded, { ...loaded, name: "Ada King" })).toEqual({
      name: "Ada King",
    });
    expect(toUpdateCustomerInput(loaded, { ...loaded, email: "ada@king.example" })).toEqual({
      email: "ada@king.example",
    });
  });

  it("sends the whole address when part of it changed", () => {
    expect(toUpdateCustomerInput(loaded, { ...loaded, city: "Londres" })).toEqual({
      address: {
        line1: "12 Marylebone Road",
        city: "Londres",
        postalCode: "NW1 5LR",
        country: "GB",
      },
    });
  });

  it("clears a phone or an address with null", () => {
    const cleared = { ...loaded, phone: "", line1: "", city: "", postalCode: "", country: "" };
    expect(toUpdateCustomerInput(loaded, cleared)).toEqual({ phone: null, address: null });
  });
});

describe("customerFieldErrors", () => {
  it("puts the server's field paths under the form's fields", () => {
    expect(
      customerFieldErrors({
        "input.email": "value is not a valid email address",
        "input.address.postalCode": "must not be empty",
        "input.address": "Field required",
        "input.unknown": "ignored",
      }),
    ).toEqual({
      email: "value is not a valid email address",
      postalCode: "must not be empty",
      line1: "Field required",
    });
  });
});
