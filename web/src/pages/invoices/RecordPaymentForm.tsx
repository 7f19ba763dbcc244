// "Record a payment" on an OPEN invoice: amount (major units) and method, checked against the
// balance due before anything is sent.
import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { ErrorMessage } from "../../components/QueryState";
import { InvoiceDetailRecordPaymentDocument } from "../../graphql/generated";
import { toMajorUnits, type Money } from "../../lib/money";
import { PAYMENT_METHODS, validatePayment, type PaymentFormErrors } from "./logic";

/**
 * The payment form of invoice `invoiceId`, the amount prefilled with `balanceDue`. Sends
 * recordPayment only when the values pass `validatePayment`; calls `onRecorded` with the new
 * balance due after the server accepted the payment.
 */
export function RecordPaymentForm({
  invoiceId,
  balanceDue,
  onRecorded,
}: {
  invoiceId: string;
  balanceDue: Money;
  onRecorded: (balanceDue: Money) => void;
}) {
  const [amount, setAmount] = useState(() => toMajorUnits(balanceDue.amount, balanceDue.currency));
  const [method, setMethod] = useState<string>("CARD");
  const [errors, setErrors] = useState<PaymentFormErrors>({});
  const [result, recordPayment] = useMutation(InvoiceDetailRecordPaymentDocument);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const checked = validatePayment({ amount, method }, balanceDue);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const response = await recordPayment({
      invoiceId,
      amount: checked.amount,
      method: checked.method,
    });
    if (!response.error && response.data) onRecorded(response.data.recordPayment.balanceDue);
  }

  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label="Record a payment">
      <div className="field">
        <label htmlFor="payment-amount">Amount</label>
        <input
          id="payment-amount"
          name="amount"
          type="text"
          inputMode="decimal"
          autoComplete="off"
          value={amount}
          onChange={(event) => setAmount(event.target.value)}
          aria-invalid={errors.amount ? true : undefined}
          aria-describedby={
            errors.amount ? "payment-amount-hint payment-amount-error" : "payment-amount-hint"
          }
        />
        <small id="payment-amount-hint">In {balanceDue.currency}, at most the balance due.</small>
        {errors.amount ? (
          <p className="field-error" id="payment-amount-error">
            {errors.amount}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor="payment-method">Method</label>
        <select
          id="payment-method"
          name="method"
          value={method}
          onChange={(event) => setMethod(event.target.value)}
          aria-invalid={errors.method ? true : undefined}
          aria-describedby={errors.method ? "payment-method-error" : undefined}
        >
          {PAYMENT_METHODS.map((item) => (
            <option key={item.value} value={item.value}>
              {item.label}
            </option>
          ))}
        </select>
        {errors.method ? (
          <p className="field-error" id="payment-method-error">
            {errors.method}
          </p>
        ) : null}
      </div>
      <ErrorMessage error={result.error} title="The payment was not recorded." />
      <button type="submit" disabled={result.fetching}>
        Record payment
      </button>
    </form>
  );
}
