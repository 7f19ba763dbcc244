// The invoice screens' logic, apart from React: the list's item summary, the filters' choices,
// and reading the "Record a payment" form against the balance due.
import type { InvoiceStatus, PaymentMethod } from "../../graphql/generated";
import { formatMoney, parseAmount, type Money } from "../../lib/money";

/** The statuses the list's "Status" filter offers after "All". */
export const INVOICE_STATUSES: readonly InvoiceStatus[] = ["OPEN", "PAID", "VOID"];

/** The page sizes the list's "Per page" select offers; the first is the default. */
export const PAGE_SIZES: readonly number[] = [20, 50, 100];

/** The payment methods in the order the form offers them, with their labels. */
export const PAYMENT_METHODS: readonly { value: PaymentMethod; label: string }[] = [
  { value: "CARD", label: "Card" },
  { value: "BANK_TRANSFER", label: "Bank transfer" },
  { value: "CASH", label: "Cash" },
];

/** `method` in words ("Bank transfer" for BANK_TRANSFER); an unknown value as is. */
export function paymentMethodLabel(method: string): string {
  return PAYMENT_METHODS.find((item) => item.value === method)?.label ?? method;
}

/** `value` as a `PaymentMethod`, or undefined when it is none of them. */
export function asPaymentMethod(value: string): PaymentMethod | undefined {
  return PAYMENT_METHODS.find((item) => item.value === value)?.value;
}

/** One invoice line as the list selects it. */
export interface SummaryItem {
  quantity: number;
  product: { name: string };
}

/**
 * The lines of an invoice in one cell, in the invoice's order:
 * [{2, Widget}, {1, Gadget}] -> "2 × Widget, 1 × Gadget"; "" for no lines.
 */
export function itemSummary(items: readonly SummaryItem[]): string {
  return items.map((item) => `${item.quantity} × ${item.product.name}`).join(", ");
}

/** What the payment form holds: the amount as typed (major units) and the method chosen. */
export interface PaymentFormValues {
  amount: string;
  method: string;
}

/** A message per invalid field of the payment form. */
export interface PaymentFormErrors {
  amount?: string;
  method?: string;
}

/** The payment form read: the variables to send, or the messages to show instead. */
export type PaymentValidation =
  | { ok: true; amount: number; method: PaymentMethod }
  | { ok: false; errors: PaymentFormErrors };

/**
 * Reads the payment form against the invoice's balance due: the amount is parsed in the
 * balance's currency (major units, e.g. "12.50" -> 1250 for USD) and must be more than zero and
 * at most the balance due; the method must be one of CARD, BANK_TRANSFER, CASH.
 */
export function validatePayment(values: PaymentFormValues, balanceDue: Money): PaymentValidation {
  const errors: PaymentFormErrors = {};
  const parsed = parseAmount(values.amount, balanceDue.currency);
  let amount = 0;
  if (!parsed.ok) {
    errors.amount = parsed.error;
  } else if (parsed.amount <= 0) {
    errors.amount = "Enter an amount greater than zero.";
  } else if (parsed.amount > balanceDue.amount) {
    errors.amount = `At most the balance due: ${formatMoney(balanceDue)}.`;
  } else {
    amount = parsed.amount;
  }
  const method = asPaymentMethod(values.method);
  if (!method) errors.method = "Choose how the payment was received.";
  if (errors.amount !== undefined || errors.method !== undefined || !method) {
    return { ok: false, errors };
  }
  return { ok: true, amount, method };
}

/** The notice shown after a payment: "Payment recorded. Balance due: $0.00." */
export function paymentNotice(balanceDue: Money): string {
  return `Payment recorded. Balance due: ${formatMoney(balanceDue)}.`;
}

/** Whether the invoice can be voided from the screen: OPEN with no payment yet. */
export function canVoid(invoice: { status: InvoiceStatus; payments: readonly unknown[] }): boolean {
  return invoice.status === "OPEN" && invoice.payments.length === 0;
}
