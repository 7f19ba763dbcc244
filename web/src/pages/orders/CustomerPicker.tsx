// The new-order form's customer field: a search box feeding a "Customer" select.
import { useQuery } from "urql";
import { SelectField } from "../../components/Field";
import { useDebouncedSearch } from "../../components/SearchBox";
import { NewOrderCustomerSearchDocument } from "../../graphql/generated";

/** A customer the picker can offer. */
export interface CustomerChoice {
  id: string;
  name: string;
  email: string;
}

/** How many matches the select offers. */
const MATCHES = 10;

/** How long the search box waits after the last key before asking the API, in ms. */
const SEARCH_DELAY_MS = 250;

/** The select's options: the chosen customer first when the search no longer matches it. */
export function customerOptions(
  chosen: CustomerChoice | null,
  matches: readonly CustomerChoice[],
): CustomerChoice[] {
  if (!chosen || matches.some((match) => match.id === chosen.id)) return [...matches];
  return [chosen, ...matches];
}

/**
 * The "Customer" select, fed by a search box ("Find by name or email": customers whose name or
 * email contains the text, 10 at most). `chosen` stays among the options whatever the search;
 * `error` is shown under the select.
 */
export function CustomerPicker({
  chosen,
  onChoose,
  error,
}: {
  chosen: CustomerChoice | null;
  onChoose: (customer: CustomerChoice | null) => void;
  error?: string;
}) {
  const { text, setText, search } = useDebouncedSearch({ delayMs: SEARCH_DELAY_MS });
  const [result] = useQuery({
    query: NewOrderCustomerSearchDocument,
    variables: { search: search ?? null, first: MATCHES },
  });
  const matches = result.data?.customers.nodes ?? [];
  const options = customerOptions(chosen, matches);

  return (
    <>
      <div className="field">
        <label htmlFor="order-customer-search">Find by name or email</label>
        <input
          id="order-customer-search"
          type="search"
          autoComplete="off"
          value={text}
          onChange={(event) => setText(event.target.value)}
          aria-controls="order-customer"
        />
      </div>
      <SelectField
        id="order-customer"
        label="Customer"
        value={chosen?.id ?? ""}
        onChange={(id) => onChoose(options.find((option) => option.id === id) ?? null)}
        error={error}
      >
        <option value="">
          {result.fetching && matches.length === 0
            ? "Searching…"
            : matches.length === 0
              ? "No customer matches"
              : "Choose a customer…"}
        </option>
        {options.map((option) => (
          <option key={option.id} value={option.id}>
            {option.name} ({option.email})
          </option>
        ))}
      </SelectField>
    </>
  );
}
