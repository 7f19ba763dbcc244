import { describe, expect, it } from "vitest";
import {
  canVoid,
  itemSummary,
  paymentMethodLabel,
  paymentNotice,
  validatePayment,
} from "./logic";

const USD_1250 = { amount: 1250, currency: "USD" };

describe("itemSummary", () => {
  it("lists quantity × product name, comma-separated, in the invoice's order", () => {
    const items = [
      { quantity: 2, product: { name: "Widget" } },
      { quantity: 1, product: { name: "Gadget" } },
    ];
    expect(itemSummary(items)).toBe("2 × Widget, 1 × Gadget");
  });

  it("is empty for no lines", () => {
    expect(itemSummary([])).toBe("");
  });
});

describe("validatePayment", () => {
  it("reads major units into minor units of the invoice's currency", () => {
    expect(validatePayment({ amount: "12.50", method: "CARD" }, USD_1250)).toEqual({
      ok: true,
      amount: 1250,
      method: "CARD",
    });
    expect(validatePayment({ amount: "5", method: "BANK_TRANSFER" }, USD_1250)).toEqual({
      ok: true,
      amount: 500,
      method: "BANK_TRANSFER",
    });
    expect(
      validatePayment({ amount: "700", method: "CASH" }, { amount: 1000, currency: "JPY" }),
    ).toEqual({ ok: true, amount: 700, method: "CASH" });
  });

  it("refuses zero", () => {
    expect(validatePayment({ amount: "0.00", method: "CARD" }, USD_1250)).toEqual({
      ok: false,
      errors: { amount: "Enter an amount greater than zero." },
    });
  });

  it("refuses more than the balance due, naming it", () => {
    expect(validatePayment({ amount: "12.51", method: "CARD" }, USD_1250)).toEqual({
      ok: false,
      errors: { amount: "At most the balance due: $12.50." },
    });
  });

  it("passes parseAmount's messages on", () => {
    const empty = validatePayment({ amount: " ", method: "CARD" }, USD_1250);
    expect(empty).toEqual({ ok: false, errors: { amount: "Enter an amount." } });
    const decimals = validatePayment({ amount: "1.234", method: "CARD" }, USD_1250);
    expect(decimals).toEqual({
      ok: false,
      errors: { amount: "At most 2 digits after the decimal point." },
    });
    const jpy = { amount: 900, currency: "JPY" };
    const yen = validatePayment({ amount: "1.5", method: "CARD" }, jpy);
    expect(yen.ok).toBe(false);
  });

  it("refuses an unknown method, with the amount's message too", () => {
    expect(validatePayment({ amount: "-1", method: "CHEQUE" }, USD_1250)).toEqual({
      ok: false,
      errors: {
        amount: "Enter a number such as 12.50.",
        method: "Choose how the payment was received.",
      },
    });
  });
});

describe("the invoice screen's helpers", () => {
  it("words the notice after a payment with the new balance", () => {
    expect(paymentNotice({ amount: 0, currency: "USD" })).toBe(
      "Payment recorded. Balance due: $0.00.",
    );
  });

  it("offers void only for an OPEN invoice without payments", () => {
    expect(canVoid({ status: "OPEN", payments: [] })).toBe(true);
    expect(canVoid({ status: "OPEN", payments: [{}] })).toBe(false);
    expect(canVoid({ status: "PAID", payments: [] })).toBe(false);
    expect(canVoid({ status: "VOID", payments: [] })).toBe(false);
  });

  it("names payment methods", () => {
    expect(paymentMethodLabel("BANK_TRANSFER")).toBe("Bank transfer");
    expect(paymentMethodLabel("BARTER")).toBe("BARTER");
  });
});
