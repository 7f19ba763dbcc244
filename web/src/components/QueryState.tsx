// The states every screen shares: loading, empty, errors in words, success notices, and the
// states of a list query and of a detail screen's lookup by id.
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { CombinedError } from "urql";
import { describeErrors, isNotFound } from "../lib/errors";

/** A loading line with an accessible busy role. */
export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-busy="true">
      {what}…
    </p>
  );
}

/** A friendly message for a list with nothing in it, with an optional action. */
export function EmptyState({ children, action }: { children: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty" role="note">
      <p>{children}</p>
      {action}
    </div>
  );
}

/**
 * The errors of a query or mutation in words: a sentence per `extensions.code`, the server's
 * message under it. Renders nothing when `error` is undefined.
 */
export function ErrorMessage({ error, title }: { error?: CombinedError; title?: string }) {
  if (!error) return null;
  const errors = describeErrors(error);
  return (
    <div className="error" role="alert">
      {title ? <strong>{title}</strong> : null}
      <ul>
        {errors.map((item, index) => (
          <li key={index} data-code={item.code}>
            <span className="error-summary">{item.summary}</span>{" "}
            <span className="error-detail">{item.detail}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A success notice (`.notice`, role="status"), e.g. "Changes saved."; nothing without one. */
export function Notice({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="notice" role="status">
      {message}
    </p>
  );
}

/** Props of `ListState`. */
export interface ListStateProps<Connection extends { nodes: readonly unknown[] }> {
  /** The list query's state (urql's `useQuery` result). */
  result: { fetching: boolean; error?: CombinedError | undefined };
  /** The page of the list, once loaded. */
  connection: Connection | undefined;
  /** What the list holds, plural ("customers"), for the loading line and the error's title. */
  what: string;
  /** The sentence shown for a page without nodes. */
  empty: string;
  /** The page's table (and pager). */
  children: (connection: Connection) => ReactNode;
}

/**
 * A list query's states: its error in words ("The `what` could not be loaded."), `Loading`
 * until the first page arrives, `EmptyState` for a page without nodes, else `children`.
 */
export function ListState<Connection extends { nodes: readonly unknown[] }>({
  result,
  connection,
  what,
  empty,
  children,
}: ListStateProps<Connection>) {
  return (
    <>
      <ErrorMessage error={result.error} title={`The ${what} could not be loaded.`} />
      {!connection ? (
        result.fetching ? (
          <Loading what={`Loading ${what}`} />
        ) : null
      ) : connection.nodes.length === 0 ? (
        <EmptyState>{empty}</EmptyState>
      ) : (
        children(connection)
      )}
    </>
  );
}

/** Props of `RecordState`. */
export interface RecordStateProps<Item> {
  /** The record looked up by `id`: undefined until loaded, null when there is none. */
  record: Item | null | undefined;
  error: CombinedError | undefined;
  id: string;
  /** The kind of record, capitalised ("Customer"): the heading while it loads. */
  title: string;
  /** Where the "not found" message leads (e.g. the list). */
  back: { to: string; label: string };
  /** The screen of the record. */
  children: (record: Item) => ReactNode;
}

/**
 * A detail screen's states before its record: "Loading the customer" (or the error in words,
 * "The customer could not be loaded."), then "Customer not found" with "No customer with id
 * …" and the `back` link when the id names nothing, else `children`.
 */
export function RecordState<Item>({
  record,
  error,
  id,
  title,
  back,
  children,
}: RecordStateProps<Item>) {
  const noun = title.toLowerCase();
  const failed = <ErrorMessage error={error} title={`The ${noun} could not be loaded.`} />;
  if (record === undefined) {
    return (
      <section>
        <h1>{title}</h1>
        {error ? failed : <Loading what={`Loading the ${noun}`} />}
      </section>
    );
  }
  if (record === null) {
    return (
      <section>
        <h1>{title} not found</h1>
        {isNotFound(record, error) ? (
          <EmptyState action={<Link to={back.to}>{back.label}</Link>}>
            No {noun} with id {id}.
          </EmptyState>
        ) : (
          failed
        )}
      </section>
    );
  }
  return <>{children(record)}</>;
}
