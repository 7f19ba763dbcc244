// The urql exchange that signs the app's requests: `Authorization: Bearer <access token>` on
// every operation (the token of the moment it is sent), and one retry when the router refuses
// the token (HTTP 401, or a GraphQL error UNAUTHENTICATED) after the session store refreshed it.
//
// Spec: RFC 6750 §2.1 (the Authorization request header field), §3.1 (invalid_token).
import {
  makeOperation,
  type CombinedError,
  type Exchange,
  type Operation,
  type OperationResult,
} from "urql";
import { empty, fromPromise, fromValue, makeSubject, map, merge, mergeMap, pipe } from "wonka";

/** What the exchange needs from the session store (see `AuthStore`). */
export interface AuthLink {
  /** The access token to send now, or null (no header). */
  accessToken(): string | null;
  /** After the router refused `rejectedToken`: true when a fresh token may be sent. */
  refreshAfterRejection(rejectedToken: string | null): Promise<boolean>;
}

/** The context key recording the token an operation was sent with. */
const SENT_TOKEN = "authSentToken";
/** The context key marking an operation sent again after a refresh (never retried twice). */
const RETRIED = "authRetried";

/** The `Authorization` header value for `token`. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/**
 * True when the router refused the request's credentials: HTTP 401, or a GraphQL error with
 * `extensions.code` UNAUTHENTICATED.
 */
export function isAuthFailure(error: CombinedError | undefined): boolean {
  if (!error) return false;
  const response: unknown = error.response;
  if (typeof response === "object" && response !== null && "status" in response) {
    if (response.status === 401) return true;
  }
  return error.graphQLErrors.some((item) => item.extensions?.code === "UNAUTHENTICATED");
}

function baseFetchOptions(operation: Operation): RequestInit {
  const { fetchOptions } = operation.context;
  return (typeof fetchOptions === "function" ? fetchOptions() : fetchOptions) ?? {};
}

function plainHeaders(init: HeadersInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** `operation` with the current token's Authorization header (and the token recorded). */
function signed(operation: Operation, token: string | null): Operation {
  const base = baseFetchOptions(operation);
  const headers = plainHeaders(base.headers);
  if (token !== null) headers.authorization = bearer(token);
  else delete headers.authorization;
  return makeOperation(operation.kind, operation, {
    ...operation.context,
    fetchOptions: { ...base, headers },
    [SENT_TOKEN]: token,
  });
}

/**
 * An exchange (between the cache and the fetch exchange) that adds `Authorization: Bearer`
 * from `link` to each operation, and, when the router refuses a token it sent, asks `link`
 * to refresh and sends the operation once more; if that is not possible, the refusal is the
 * result. Operations sent without a token are never retried.
 */
export function authExchange(link: AuthLink): Exchange {
  return ({ forward }) =>
    (operations$) => {
      const retries = makeSubject<Operation>();
      const results$ = pipe(
        merge([operations$, retries.source]),
        map((operation) =>
          operation.kind === "teardown" ? operation : signed(operation, link.accessToken()),
        ),
        forward,
      );
      return pipe(
        results$,
        mergeMap((result: OperationResult) => {
          const { operation } = result;
          const sent = operation.context[SENT_TOKEN] as string | null | undefined;
          if (!sent || operation.context[RETRIED] === true || !isAuthFailure(result.error)) {
            return fromValue(result);
          }
          return pipe(
            fromPromise(link.refreshAfterRejection(sent)),
            mergeMap((renewed) => {
              if (!renewed) return fromValue(result);
              retries.next(
                makeOperation(operation.kind, operation, { ...operation.context, [RETRIED]: true }),
              );
              return empty;
            }),
          );
        }),
      );
    };
}

/** Headers to send and how to renew them (the playground's `HeaderSource`). */
export interface SessionHeaders {
  /** `{authorization: "Bearer …"}` while signed in, else `{}`. */
  headers: () => Record<string, string>;
  /** After a 401 to `sent`: refreshes the session; true when fresh headers may be sent. */
  renew: (sent: Record<string, string>) => Promise<boolean>;
}

/** The session's Authorization header for requests made outside urql (the playground). */
export function sessionHeaderSource(link: AuthLink): SessionHeaders {
  return {
    headers: (): Record<string, string> => {
      const token = link.accessToken();
      return token === null ? {} : { authorization: bearer(token) };
    },
    renew: (sent) => {
      const value = sent.authorization ?? "";
      const token = value.startsWith("Bearer ") ? value.slice("Bearer ".length) : null;
      return link.refreshAfterRejection(token);
    },
  };
}
