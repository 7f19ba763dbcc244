// The Adjust stock form: its validation against the product's numbers, and adjustStock's
// arguments.
import { placeFieldErrors, type FormErrors } from "../../lib/forms";

/** What the Adjust stock form holds, as typed. */
export interface StockAdjustmentValues {
  /** Units to add; negative removes units. */
  change: string;
  reason: string;
}

/** A message per invalid field of the Adjust stock form. */
export type StockAdjustmentErrors = FormErrors<StockAdjustmentValues>;

/** The arguments of `adjustStock` (without the product id). */
export interface StockAdjustment {
  delta: number;
  reason: string;
}

/** Largest change of one adjustment, either way (the inventory subgraph's `MAX_STOCK_DELTA`). */
export const MAX_STOCK_DELTA = 1_000_000;

/** The validation result: the arguments to send, or the messages to show. */
export type StockAdjustmentCheck =
  | { ok: true; adjustment: StockAdjustment }
  | { ok: false; errors: StockAdjustmentErrors };

/**
 * Checks an adjustment before sending: the change is a whole number, not 0, at most
 * 1,000,000 either way, and removes no more than the unreserved units (stock − reserved);
 * the reason is 1-200 characters once trimmed.
 */
export function validateStockAdjustment(
  values: StockAdjustmentValues,
  product: { stock: number; reserved: number },
): StockAdjustmentCheck {
  const errors: StockAdjustmentErrors = {};
  const change = values.change.trim().replace(/^\u2212/, "-");
  let delta = 0;
  if (change === "") errors.change = "Enter the units to add, or a negative number to remove.";
  else if (!/^[+-]?\d+$/.test(change)) errors.change = "Enter a whole number such as 5 or -2.";
  else {
    delta = Number(change);
    const removable = Math.max(product.stock - product.reserved, 0);
    if (delta === 0) errors.change = "The change must not be 0.";
    else if (Math.abs(delta) > MAX_STOCK_DELTA) {
      errors.change = `At most ${MAX_STOCK_DELTA.toLocaleString("en-US")} units at a time.`;
    } else if (-delta > removable) {
      const units = removable === 1 ? "unit" : "units";
      errors.change = `Only ${removable} ${units} can be removed (stock minus reserved).`;
    }
  }
  const reason = values.reason.trim();
  if (reason === "") errors.reason = "Say why the stock changes.";
  else if (reason.length > 200) errors.reason = "At most 200 characters.";
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, adjustment: { delta, reason } };
}

/** A stock change for people: "+5", "−2" (with a minus sign). */
export function formatDelta(delta: number): string {
  return delta > 0 ? `+${delta}` : `\u2212${Math.abs(delta)}`;
}

/** adjustStock's field messages (`delta`, `reason`) placed under the form's fields. */
export function stockFieldErrors(fields: Record<string, string>): StockAdjustmentErrors {
  return placeFieldErrors(fields, ["change", "reason"], { delta: "change" });
}
