// GraphQL errors shown in words: `extensions.code` (the subgraphs' and the router's codes)
// mapped to a sentence a person can act on, plus the server's own message.
import type { CombinedError } from "urql";

/** What a person reads for each `extensions.code` the Trellis API returns. */
const CODE_MESSAGES: Record<string, string> = {
  BAD_USER_INPUT: "Some of the values are not valid.",
  NOT_FOUND: "It does not exist (it may have been deleted).",
  CONFLICT: "This cannot be done in the current state.",
  OUT_OF_STOCK: "Not enough stock for this order.",
  UPSTREAM_UNAVAILABLE: "A service this needs is not reachable; try again in a moment.",
  SERVICE_UNAVAILABLE: "The service is not available right now; try again in a moment.",
  SUBREQUEST_HTTP_ERROR: "A back-end service failed to answer; try again in a moment.",
  GRAPHQL_PARSE_FAILED: "The request could not be read by the server.",
  GRAPHQL_VALIDATION_FAILED: "The request does not match the server's schema.",
  BAD_REQUEST: "The server refused the request.",
  QUERY_PLANNING_FAILED: "The router could not plan this request.",
  UNAUTHENTICATED: "Please sign in first.",
  FORBIDDEN: "You are not allowed to do this.",
  UNAUTHORIZED_FIELD_OR_TYPE: "You are not allowed to see some of this.",
  INTERNAL_SERVER_ERROR: "Something went wrong on the server.",
};

/** One error ready to show: a sentence from its code, the server's detail, and its path. */
export interface ErrorDescription {
  /** `extensions.code`, or "NETWORK_ERROR" when the router could not be reached. */
  code: string;
  /** A sentence for people, from the code. */
  summary: string;
  /** The server's own message (may repeat the summary's subject in more detail). */
  detail: string;
  /** Field-level messages from `extensions.fields` (BAD_USER_INPUT), by input field. */
  fields: Record<string, string>;
}

/** The sentence for `code`; unknown codes get a generic one naming the code. */
export function messageForCode(code: string): string {
  return CODE_MESSAGES[code] ?? `The request failed (${code}).`;
}

interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown> | null;
}

/** Describes one GraphQL error object (`{message, extensions: {code, fields}}`). */
export function describeGraphQLError(error: GraphQLErrorLike): ErrorDescription {
  const extensions = error.extensions ?? {};
  const code = typeof extensions.code === "string" ? extensions.code : "INTERNAL_SERVER_ERROR";
  const fields: Record<string, string> = {};
  if (Array.isArray(extensions.fields)) {
    for (const item of extensions.fields as unknown[]) {
      if (typeof item === "object" && item !== null) {
        const { field, message } = item as { field?: unknown; message?: unknown };
        if (typeof field === "string" && typeof message === "string") fields[field] = message;
      }
    }
  }
  return { code, summary: messageForCode(code), detail: error.message, fields };
}

/** Every error of a urql `CombinedError`: the network error first, then the GraphQL errors. */
export function describeErrors(error: CombinedError): ErrorDescription[] {
  const described: ErrorDescription[] = [];
  if (error.networkError) {
    described.push({
      code: "NETWORK_ERROR",
      summary: "The router could not be reached. Is Trellis running?",
      detail: error.networkError.message,
      fields: {},
    });
  }
  for (const graphQLError of error.graphQLErrors) {
    described.push(describeGraphQLError(graphQLError));
  }
  return described;
}

/** Every `extensions.fields` message of `error`, by field path (e.g. "input.email"). */
export function serverFieldMessages(error: CombinedError | undefined): Record<string, string> {
  if (!error) return {};
  return Object.assign({}, ...describeErrors(error).map((item) => item.fields)) as Record<
    string,
    string
  >;
}

/**
 * True when a lookup by id found nothing: the record is null and every error (if any) says the
 * id is unknown or malformed (NOT_FOUND, BAD_USER_INPUT), so the screen says "No … with id"
 * instead of showing an error.
 */
export function isNotFound(record: unknown, error: CombinedError | undefined): boolean {
  if (record !== null) return false;
  if (!error) return true;
  if (error.networkError) return false;
  return error.graphQLErrors.every((item) => {
    const code = item.extensions?.code;
    return code === "NOT_FOUND" || code === "BAD_USER_INPUT";
  });
}
