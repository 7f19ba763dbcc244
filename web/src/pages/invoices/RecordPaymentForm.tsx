// "Record a payment" on an OPEN invoice: amount (major units) and method, checked against the
// balance due before anything is sent.
import { useState } from "react";
import { useMutation } from "urql";
import { SelectField, TextField } from "../../components/Field";
import { Form } from "../../components/Form";
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

  async function submit(): Promise<void> {
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
    <Form
      label="Record a payment"
      onSubmit={() => void submit()}
      error={result.error}
      failedTitle="The payment was not recorded."
      submitLabel="Record payment"
      busy={result.fetching}
    >
      <TextField
        id="payment-amount"
        label="Amount"
        inputMode="decimal"
        autoComplete="off"
        hint={`In ${balanceDue.currency}, at most the balance due.`}
        value={amount}
        onChange={setAmount}
        error={errors.amount}
      />
      <SelectField
        id="payment-method"
        label="Method"
        value={method}
        onChange={setMethod}
        error={errors.method}
      >
        {PAYMENT_METHODS.map((item) => (
          <option key={item.value} value={item.value}>
            {item.label}
          </option>
        ))}
      </SelectField>
    </Form>
  );
}
