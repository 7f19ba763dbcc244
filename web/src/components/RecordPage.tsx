// A detail screen: the record the route's `:id` names, loaded by a query, with the states
// before it (loading, not found, failed) and then the record's own view.
import { useCallback, type ReactNode } from "react";
import { useParams } from "react-router-dom";
import { useQuery, type CombinedError, type DocumentInput } from "urql";
import { RecordState } from "./QueryState";

/** What a detail screen's view gets besides its record. */
export interface RecordView {
  /** The query's error, if any part of the record could not be loaded. */
  error: CombinedError | undefined;
  /** Asks for the record again, bypassing the cache. */
  refresh: () => void;
}

/** Props of `RecordPage`. */
export interface RecordPageProps<Data, Item> {
  /** The query of the record (variables `{id}`). */
  query: DocumentInput<Data, { id: string }>;
  /** The record in the query's data (null: there is none). */
  pick: (data: Data) => Item | null;
  /** The kind of record, capitalised ("Customer"), for the states before it. */
  title: string;
  /** Where the "not found" message leads (e.g. the list). */
  back: { to: string; label: string };
  /** The record's view. */
  children: (record: Item, view: RecordView) => ReactNode;
}

/**
 * Runs `query` for the route's `:id` and shows `RecordState` (loading, not found, failed)
 * until the record is there, then `children`.
 */
export function RecordPage<Data, Item>({
  query,
  pick,
  title,
  back,
  children,
}: RecordPageProps<Data, Item>) {
  const { id = "" } = useParams();
  const [result, reexecuteQuery] = useQuery({ query, variables: { id } });
  const refresh = useCallback(
    () => reexecuteQuery({ requestPolicy: "network-only" }),
    [reexecuteQuery],
  );
  return (
    <RecordState
      record={result.data ? pick(result.data) : undefined}
      error={result.error}
      id={id}
      title={title}
      back={back}
    >
      {(record) => children(record, { error: result.error, refresh })}
    </RecordState>
  );
}
