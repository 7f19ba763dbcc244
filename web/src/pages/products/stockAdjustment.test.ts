import { describe, expect, it } from "vitest";
import { formatDelta, validateStockAdjustment } from "./stockAdjustment";

const PRODUCT = { stock: 50, reserved: 20 };

describe("validateStockAdjustment", () => {
  it("returns the arguments of a valid adjustment", () => {
    expect(validateStockAdjustment({ change: " 5 ", reason: " delivery " }, PRODUCT)).toEqual({
      ok: true,
      adjustment: { delta: 5, reason: "delivery" },
    });
    expect(validateStockAdjustment({ change: "-30", reason: "count" }, PRODUCT)).toEqual({
      ok: true,
      adjustment: { delta: -30, reason: "count" },
    });
    expect(validateStockAdjustment({ change: "+2", reason: "found" }, PRODUCT).ok).toBe(true);
  });

  it("refuses 0, fractions and text", () => {
    const errors = (change: string) =>
      validateStockAdjustment({ change, reason: "x" }, PRODUCT).ok === false;
    for (const change of ["0", "-0", "1.5", "abc", "", "1e3"]) expect(errors(change)).toBe(true);
    expect(validateStockAdjustment({ change: "0", reason: "x" }, PRODUCT)).toEqual({
      ok: false,
      errors: { change: "The change must not be 0." },
    });
  });

  it("removes no more than stock minus reserved", () => {
    expect(validateStockAdjustment({ change: "-31", reason: "count" }, PRODUCT)).toEqual({
      ok: false,
      errors: { change: "Only 30 units can be removed (stock minus reserved)." },
    });
    expect(
      validateStockAdjustment({ change: "-1", reason: "count" }, { stock: 5, reserved: 5 }).ok,
    ).toBe(false);
  });

  it("wants a reason of 1 to 200 characters", () => {
    expect(validateStockAdjustment({ change: "5", reason: "  " }, PRODUCT)).toEqual({
      ok: false,
      errors: { reason: "Say why the stock changes." },
    });
    expect(validateStockAdjustment({ change: "5", reason: "x".repeat(201) }, PRODUCT)).toEqual({
      ok: false,
      errors: { reason: "At most 200 characters." },
    });
  });

  it("caps one change at 1,000,000 units", () => {
    expect(validateStockAdjustment({ change: "1000001", reason: "x" }, PRODUCT).ok).toBe(false);
    expect(validateStockAdjustment({ change: "1000000", reason: "x" }, PRODUCT).ok).toBe(true);
  });
});

describe("formatDelta", () => {
  it("signs the change", () => {
    expect(formatDelta(5)).toBe("+5");
    expect(formatDelta(-2)).toBe("\u22122");
  });
});
