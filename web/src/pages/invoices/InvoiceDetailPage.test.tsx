import { Provider } from "urql";
import { describe, expect, it, vi } from "vitest";
import {
  alertText,
  button,
  byLabel,
  byTestId,
  choose,
  click,
  fieldErrors,
  fill,
  mockClient,
  queryButton,
  render,
  renderAt,
  waitFor,
  type MockAnswers,
} from "../../testing";
import { InvoiceDetailPage } from "./InvoiceDetailPage";
import { RecordPaymentForm } from "./RecordPaymentForm";

const usd = (amount: number) => ({ __typename: "Money", amount, currency: "USD" });

/** An invoice of $25.00 for 2 × Widget with `paid` minor units paid (PAID when all is paid). */
function invoice(paid: number) {
  const balance = 2500 - paid;
  return {
    __typename: "Invoice",
    id: "5",
    number: "INV-0005",
    status: balance === 0 ? "PAID" : "OPEN",
    issuedAt: "2026-11-21T16:00:00+00:00",
    paidAt: balance === 0 ? "2026-11-21T17:00:00+00:00" : null,
    voidedAt: null,
    customer: { __typename: "Customer", id: "3", name: "Ada Lovelace" },
    items: [
      {
        __typename: "InvoiceItem",
        quantity: 2,
        unitPrice: usd(1250),
        lineTotal: usd(2500),
        product: { __typename: "Product", id: "9", name: "Widget", sku: "W-1" },
      },
    ],
    total: usd(2500),
    amountPaid: usd(paid),
    balanceDue: usd(balance),
    payments:
      paid === 0
        ? []
        : [
            {
              __typename: "Payment",
              id: "1",
              amount: usd(paid),
              method: "CARD",
              receivedAt: "2026-11-21T17:00:00+00:00",
            },
          ],
  };
}

describe("RecordPaymentForm", () => {
  async function showForm(answers: MockAnswers) {
    const { client, mutations } = mockClient(answers);
    const onRecorded = vi.fn();
    const { container } = await render(
      <Provider value={client}>
        <RecordPaymentForm
          invoiceId="5"
          balanceDue={{ amount: 2500, currency: "USD" }}
          onRecorded={onRecorded}
        />
      </Provider>,
    );
    return { container, mutations, onRecorded };
  }

  const paying = {
    InvoiceDetailRecordPayment: () => ({ data: { recordPayment: invoice(525) } }),
  };

  it("prefills the balance due and refuses bad amounts without sending", async () => {
    const { mutations, onRecorded } = await showForm(paying);
    const amount = byLabel("Amount");
    expect(amount.value).toBe("25.00");

    const cases: [string, string][] = [
      ["0", "Enter an amount greater than zero."],
      ["25.01", "At most the balance due: $25.00."],
      ["abc", "Enter a number such as 12.50."],
      ["1.001", "At most 2 digits after the decimal point."],
      ["", "Enter an amount."],
    ];
    for (const [typed, message] of cases) {
      await fill(amount, typed);
      await click(button("Record payment"));
      expect(fieldErrors()).toEqual([message]);
      expect(amount.getAttribute("aria-invalid")).toBe("true");
    }
    expect(mutations).toEqual([]);
    expect(onRecorded).not.toHaveBeenCalled();
  });

  it("sends minor units and the chosen method, then reports the new balance", async () => {
    const { mutations, onRecorded } = await showForm(paying);
    const amount = byLabel("Amount");
    await fill(amount, "5.25");
    await choose(byLabel("Method"), "BANK_TRANSFER");
    await click(button("Record payment"));

    await waitFor(() => expect(onRecorded).toHaveBeenCalledWith(usd(1975)));
    expect(mutations).toEqual([
      {
        name: "InvoiceDetailRecordPayment",
        variables: { invoiceId: "5", amount: 525, method: "BANK_TRANSFER" },
      },
    ]);
    expect(fieldErrors()).toEqual([]);
    expect(amount.getAttribute("aria-invalid")).toBeNull();
  });

  it("shows the server's refusal in words", async () => {
    const { container, onRecorded } = await showForm({
      InvoiceDetailRecordPayment: () => ({
        data: null,
        errors: [{ message: "invoice 5 is PAID", extensions: { code: "CONFLICT" } }],
      }),
    });
    await click(button("Record payment"));
    await waitFor(() =>
      expect(alertText(container)).toContain("This cannot be done in the current state."),
    );
    expect(onRecorded).not.toHaveBeenCalled();
  });
});

describe("InvoiceDetailPage", () => {
  function showPage(answers: MockAnswers, id = "5") {
    return renderAt(<InvoiceDetailPage />, "/invoices/:id", { path: `/invoices/${id}`, answers });
  }

  it("shows the invoice, and after paying it in full the notice and fresh numbers", async () => {
    let paid = 0;
    const { container, mutations } = await showPage({
      InvoiceDetail: () => ({ data: { invoice: invoice(paid) } }),
      InvoiceDetailRecordPayment: () => {
        paid = 2500;
        return { data: { recordPayment: invoice(paid) } };
      },
    });

    expect(container.querySelector("h1")?.textContent).toBe("Invoice INV-0005");
    expect(byTestId("invoice-status").textContent).toBe("OPEN");
    expect(byTestId("invoice-customer").textContent).toBe("Ada Lovelace");
    expect(byTestId("invoice-customer").getAttribute("href")).toBe("/customers/3");
    expect(byTestId("invoice-item-product").getAttribute("href")).toBe("/products/9");
    expect(byTestId("invoice-balance").textContent).toBe("$25.00");
    expect(container.textContent).toContain("No payments yet.");
    expect(queryButton("Void invoice")).not.toBeNull();

    await click(button("Record payment"));

    await waitFor(() =>
      expect(container.querySelector(".notice")?.textContent).toBe(
        "Payment recorded. Balance due: $0.00.",
      ),
    );
    await waitFor(() => expect(byTestId("invoice-balance").textContent).toBe("$0.00"));
    expect(byTestId("invoice-status").textContent).toBe("PAID");
    expect(container.textContent).not.toContain("Record a payment");
    expect(queryButton("Void invoice")).toBeNull();
    expect([...container.querySelectorAll("td")].map((cell) => cell.textContent)).toContain("Card");
    expect(mutations.map((call) => call.name)).toEqual(["InvoiceDetailRecordPayment"]);
  });

  it("voids an OPEN invoice after confirming", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    let voided = false;
    const current = () => ({
      ...invoice(0),
      ...(voided ? { status: "VOID", balanceDue: usd(0) } : {}),
    });
    const { container, mutations } = await showPage({
      InvoiceDetail: () => ({ data: { invoice: current() } }),
      InvoiceDetailVoid: () => {
        voided = true;
        return { data: { voidInvoice: current() } };
      },
    });
    await click(button("Void invoice"));
    await waitFor(() => expect(byTestId("invoice-status").textContent).toBe("VOID"));
    expect(confirm).toHaveBeenCalled();
    expect(mutations).toEqual([{ name: "InvoiceDetailVoid", variables: { invoiceId: "5" } }]);
    expect(container.querySelector(".notice")?.textContent).toBe("Invoice INV-0005 voided.");
  });

  it("says so for an unknown id", async () => {
    const { container } = await showPage(
      { InvoiceDetail: () => ({ data: { invoice: null } }) },
      "404",
    );
    expect(container.textContent).toContain("No invoice with id 404.");
  });
});
