import { describe, expect, it } from "vitest";
import { formatMoney, minorUnitDigits, parseAmount, toMajorUnits } from "./money";

describe("formatMoney", () => {
  it("formats minor units by the currency's digits", () => {
    expect(formatMoney({ amount: 123456, currency: "USD" })).toBe("$1,234.56");
    expect(formatMoney({ amount: 5, currency: "EUR" })).toBe("€0.05");
    expect(formatMoney({ amount: 500, currency: "JPY" })).toBe("¥500");
    expect(formatMoney({ amount: 1234, currency: "BHD" })).toBe("BHD\u00a01.234");
  });

  it("falls back to the code for an unknown currency", () => {
    expect(formatMoney({ amount: 150, currency: "XX" })).toBe("1.50 XX");
  });
});

describe("parseAmount", () => {
  it("reads major units into minor units", () => {
    expect(parseAmount("12.50", "USD")).toEqual({ ok: true, amount: 1250 });
    expect(parseAmount(" 1,234 ", "USD")).toEqual({ ok: true, amount: 123400 });
    expect(parseAmount("12.", "USD")).toEqual({ ok: true, amount: 1200 });
    expect(parseAmount("700", "JPY")).toEqual({ ok: true, amount: 700 });
  });

  it("refuses what is not an amount", () => {
    expect(parseAmount("", "USD").ok).toBe(false);
    expect(parseAmount("-3", "USD").ok).toBe(false);
    expect(parseAmount("abc", "USD").ok).toBe(false);
    expect(parseAmount("1.234", "USD")).toEqual({
      ok: false,
      error: "At most 2 digits after the decimal point.",
    });
    expect(parseAmount("1.5", "JPY")).toEqual({
      ok: false,
      error: "JPY has no minor units: enter a whole number.",
    });
  });

  it("round-trips with toMajorUnits", () => {
    expect(toMajorUnits(1250, "USD")).toBe("12.50");
    expect(minorUnitDigits("JPY")).toBe(0);
  });
});
