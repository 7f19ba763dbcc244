// The "Delete …" button of a detail screen: asks first, deletes, returns to the list.
import type { ReactNode } from "react";
import { useNavigate } from "react-router-dom";
import { useMutation, type DocumentInput } from "urql";
import { withNotice } from "../lib/routeNotice";
import { ErrorMessage } from "./QueryState";

/** Props of `DeleteButton`. */
export interface DeleteButtonProps {
  /** The delete mutation (variables `{id}`). */
  mutation: DocumentInput<unknown, { id: string }>;
  /** The record to delete: its id, and its name for the notice. */
  record: { id: string; name: string };
  /** The record's kind, lower-case ("customer"), and its `__typename` ("Customer"). */
  noun: string;
  typename: string;
  /** The question `window.confirm` asks. */
  question: string;
  /** The list the screen goes back to after deleting. */
  listPath: string;
  /** What the toolbar shows before the button. */
  children?: ReactNode;
}

/**
 * A toolbar with the "Delete `noun`" button: after `window.confirm(question)` it sends
 * `mutation` (queries holding a `typename` refetch), then opens `listPath` with the notice
 * "`typename` `record.name` deleted." (e.g. "Customer Ada Lovelace deleted."); a failure
 * shows "The `noun` was not deleted." with the error.
 */
export function DeleteButton({
  mutation,
  record,
  noun,
  typename,
  question,
  listPath,
  children,
}: DeleteButtonProps) {
  const navigate = useNavigate();
  const [result, execute] = useMutation(mutation);

  async function remove() {
    if (!window.confirm(question)) return;
    const outcome = await execute({ id: record.id }, { additionalTypenames: [typename] });
    if (!outcome.error) {
      navigate(listPath, { state: withNotice(`${typename} ${record.name} deleted.`) });
    }
  }

  return (
    <>
      <div className="toolbar">
        {children}
        <button
          type="button"
          className="danger"
          disabled={result.fetching}
          onClick={() => void remove()}
        >
          Delete {noun}
        </button>
      </div>
      <ErrorMessage error={result.error} title={`The ${noun} was not deleted.`} />
    </>
  );
}
