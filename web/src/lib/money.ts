// Money as the API carries it: integer minor units plus an ISO 4217 currency code.

/** An amount of money in minor units (cents for USD), as the API's `Money` type. */
export interface Money {
  amount: number;
  currency: string;
}

/** Digits after the decimal point of `currency` (USD 2, JPY 0, BHD 3), from Intl. */
export function minorUnitDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}

/**
 * `money` formatted for people, e.g. {amount: 123456, currency: "USD"} -> "$1,234.56",
 * {amount: 500, currency: "JPY"} -> "¥500". An unknown currency code is shown after the number.
 */
export function formatMoney(money: Money, locale = "en-US"): string {
  const digits = minorUnitDigits(money.currency);
  const major = money.amount / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency: money.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${money.currency}`;
  }
}

/** The result of reading an amount typed by a person. */
export type ParsedAmount = { ok: true; amount: number } | { ok: false; error: string };

/**
 * Reads an amount typed in major units ("12.50", "1,234", "12") into minor units of
 * `currency` (1250, 123400, 1200). Refuses empty text, negatives, letters and more decimals
 * than the currency has.
 */
export function parseAmount(text: string, currency: string): ParsedAmount {
  const digits = minorUnitDigits(currency);
  const cleaned = text.trim().replace(/,/g, "");
  if (cleaned === "") return { ok: false, error: "Enter an amount." };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return { ok: false, error: "Enter a number such as 12.50." };
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    return {
      ok: false,
      error:
        digits === 0
          ? `${currency} has no minor units: enter a whole number.`
          : `At most ${digits} digits after the decimal point.`,
    };
  }
  const amount = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  if (!Number.isSafeInteger(amount)) return { ok: false, error: "That amount is too large." };
  return { ok: true, amount };
}

/** `amount` minor units of `currency` as a plain editable number ("12.50"). */
export function toMajorUnits(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}
