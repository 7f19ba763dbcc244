// A "New …" screen's mutation: create the record, then open its page with a notice.
import { useNavigate } from "react-router-dom";
import { useMutation, type DocumentInput, type UseMutationState } from "urql";
import { withNotice } from "../lib/routeNotice";

/** Options of `useCreateRecord`. */
export interface CreateRecordOptions<Data> {
  /** The record's `__typename` ("Customer"): what the notice names, and what queries refetch. */
  typename: string;
  /** The list's path ("/customers"); the new record's page is `<listPath>/<id>`. */
  listPath: string;
  /** The created record in the mutation's data. */
  created: (data: Data) => { id: string; name: string } | null | undefined;
}

/**
 * The create mutation's state, and a function sending it with `input`: once the record is
 * created it opens the record's page with the notice "`typename` `name` created.".
 */
export function useCreateRecord<Data, Input>(
  mutation: DocumentInput<Data, { input: Input }>,
  { typename, listPath, created }: CreateRecordOptions<Data>,
): [UseMutationState<Data, { input: Input }>, (input: Input) => Promise<void>] {
  const navigate = useNavigate();
  const [result, execute] = useMutation(mutation);

  async function create(input: Input): Promise<void> {
    const outcome = await execute({ input }, { additionalTypenames: [typename] });
    const record = outcome.data ? created(outcome.data) : undefined;
    if (!outcome.error && record) {
      navigate(`${listPath}/${encodeURIComponent(record.id)}`, {
        state: withNotice(`${typename} ${record.name} created.`),
      });
    }
  }

  return [result, create];
}
