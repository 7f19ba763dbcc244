// Loading, empty and error states shared by every screen.
import type { ReactNode } from "react";
import type { CombinedError } from "urql";
import { describeErrors } from "../lib/errors";

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
