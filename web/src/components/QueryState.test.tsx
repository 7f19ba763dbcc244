import { MemoryRouter } from "react-router-dom";
import { CombinedError } from "urql";
import { describe, expect, it } from "vitest";
import { alertText, heading, link, queryText, render } from "../testing";
import { RecordState } from "./QueryState";

/** The states of invoice 9, as `RecordState` shows them for `record` and `error`. */
function invoiceState(record: { name: string } | null | undefined, error?: CombinedError) {
  return (
    <MemoryRouter>
      <RecordState
        record={record}
        error={error}
        id="9"
        title="Invoice"
        back={{ to: "/invoices", label: "All invoices" }}
      >
        {(invoice) => <h1>{invoice.name}</h1>}
      </RecordState>
    </MemoryRouter>
  );
}

const failed = (code: string) =>
  new CombinedError({ graphQLErrors: [{ message: `failed: ${code}`, extensions: { code } }] });

describe("RecordState", () => {
  it("says it is loading, then shows the record", async () => {
    const { rerender } = await render(invoiceState(undefined));
    expect(heading("Invoice").tagName).toBe("H1");
    expect(queryText("Loading the invoice…")).not.toBeNull();
    await rerender(invoiceState({ name: "INV-9" }));
    expect(heading("INV-9").tagName).toBe("H1");
  });

  it("says an unknown id in words, with the way back", async () => {
    await render(invoiceState(null, failed("NOT_FOUND")));
    expect(heading("Invoice not found").tagName).toBe("H1");
    expect(queryText("No invoice with id 9.")).not.toBeNull();
    expect(link("All invoices").getAttribute("href")).toBe("/invoices");
    expect(alertText()).toBe("");
  });

  it("shows a failed lookup as an error, before and after data", async () => {
    const { rerender } = await render(invoiceState(undefined, failed("SUBREQUEST_HTTP_ERROR")));
    expect(alertText()).toContain("The invoice could not be loaded.");
    await rerender(invoiceState(null, failed("SUBREQUEST_HTTP_ERROR")));
    expect(heading("Invoice not found").tagName).toBe("H1");
    expect(alertText()).toContain("failed: SUBREQUEST_HTTP_ERROR");
    expect(queryText("No invoice with id 9.")).toBeNull();
  });
});
