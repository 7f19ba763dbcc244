// The fetcher GraphiQL sends its requests with: every request asks the router for its query
// plan (`apollo-expose-query-plan: true`), and the plan of the last response is recorded. In
// the SPA, requests also carry the session's `Authorization` header (a header source); the
// router's own page has no session and sends only what GraphiQL's headers tab holds.
import type { ComponentProps } from "react";
import type { GraphiQL } from "graphiql";

/** GraphiQL's fetcher type (`@graphiql/toolkit`'s `Fetcher`), taken from its props. */
export type GraphiQLFetcher = ComponentProps<typeof GraphiQL>["fetcher"];

/** What one fetcher call resolves to: a single GraphQL response (no streams here). */
type FetcherResult = Exclude<
  Awaited<ReturnType<GraphiQLFetcher>>,
  AsyncIterable<unknown> | { subscribe: unknown }
>;

/** The request header asking the router to return the query plan in `extensions`. */
export const QUERY_PLAN_HEADER = "apollo-expose-query-plan";

/** The operation name GraphiQL gives its schema introspection (its plan is not recorded). */
export const INTROSPECTION_OPERATION = "IntrospectionQuery";

/** A response's `extensions.apolloQueryPlan`: Apollo's JSON form and its text form. */
export interface QueryPlan {
  /** The plan as JSON (`{kind: "QueryPlan", node: ...}`), as the router sent it. */
  object: unknown;
  /** The plan as text (`QueryPlan { Sequence { Fetch(service: ...) ... } }`). */
  text: string;
}

/**
 * The plan recorded from the last response: `idle` before the first request, `none` when the
 * last response carried no plan (or no GraphQL response came back), else the plan.
 */
export type RecordedPlan =
  | { kind: "idle" }
  | { kind: "none" }
  | { kind: "plan"; plan: QueryPlan };

/**
 * Headers every request carries unless GraphiQL's headers tab sets the same name, e.g. the
 * session's `{authorization: "Bearer …"}`.
 */
export interface HeaderSource {
  /** The headers for the request about to be sent (names lower-case). */
  headers: () => Record<string, string>;
  /**
   * Called when the router answered HTTP 401 to a request carrying `sent` (this source's
   * headers): resolves true when the request may be sent once more with fresh headers.
   */
  renew?: (sent: Record<string, string>) => Promise<boolean>;
}

/** Options of {@link createPlanFetcher}. */
export interface PlanFetcherOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** Called once per response to an operation (not to GraphiQL's introspection). */
  onPlan: (plan: RecordedPlan) => void;
  /** The fetch to send requests with (tests pass a fake); the browser's by default. */
  fetch?: typeof fetch;
  /** Headers of the session (the SPA's playground); none by default. */
  headerSource?: HeaderSource;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The query plan in a GraphQL response body (`extensions.apolloQueryPlan`), or null when the
 * body has none or it is malformed (no text form).
 */
export function readQueryPlan(body: unknown): QueryPlan | null {
  if (!isRecord(body) || !isRecord(body.extensions)) return null;
  const plan = body.extensions.apolloQueryPlan;
  if (!isRecord(plan) || typeof plan.text !== "string") return null;
  return { object: plan.object ?? null, text: plan.text };
}

/**
 * The request headers: the JSON basics, then the session's (`sourceHeaders`), then the headers
 * editor's (which win: a person may try another token), then the plan header.
 */
export function requestHeaders(
  editorHeaders?: Record<string, unknown>,
  sourceHeaders: Record<string, string> = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
  };
  for (const [name, value] of Object.entries(sourceHeaders)) headers[name.toLowerCase()] = value;
  for (const [name, value] of Object.entries(editorHeaders ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  headers[QUERY_PLAN_HEADER] = "true";
  return headers;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** True when every header of `sent` went out unchanged in `headers` (none overridden). */
function carried(sent: Record<string, string>, headers: Record<string, string>): boolean {
  const names = Object.keys(sent);
  return names.length > 0 && names.every((name) => headers[name.toLowerCase()] === sent[name]);
}

/**
 * A GraphiQL fetcher that POSTs to `url` (GraphQL over HTTP, JSON body) with the header
 * `apollo-expose-query-plan: true` and `headerSource`'s headers on every request, and reports
 * each operation's plan to `onPlan` (`{kind: "none"}` when the response had none or the
 * request failed). GraphiQL's introspection (operation `IntrospectionQuery`) is sent the same
 * way but not reported. When the router answers HTTP 401 to the source's headers and the
 * source renews them, the request is sent once more.
 *
 * Throws (so GraphiQL shows it) when the request fails or the body is not a GraphQL response.
 */
export function createPlanFetcher({
  url,
  onPlan,
  fetch: fetchFn,
  headerSource,
}: PlanFetcherOptions): GraphiQLFetcher {
  const send = fetchFn ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return async (params, opts) => {
    const report = params.operationName !== INTROSPECTION_OPERATION;
    const payload = JSON.stringify({
      query: params.query,
      variables: params.variables ?? undefined,
      operationName: params.operationName ?? undefined,
    });
    const post = (sent: Record<string, string>) =>
      send(url, { method: "POST", headers: requestHeaders(opts?.headers, sent), body: payload });
    const postWithSession = async (): Promise<Response> => {
      const sent = headerSource?.headers() ?? {};
      const response = await post(sent);
      const renew = headerSource?.renew;
      if (response.status !== 401 || !renew) return response;
      if (!carried(sent, requestHeaders(opts?.headers, sent))) return response;
      return (await renew(sent)) ? post(headerSource.headers()) : response;
    };
    let body: unknown;
    try {
      const response = await postWithSession();
      body = parseJson(await response.text());
      if (!isRecord(body)) {
        const status = `${response.status} ${response.statusText}`.trim();
        throw new Error(`The router answered HTTP ${status} without a GraphQL response.`);
      }
    } catch (error) {
      if (report) onPlan({ kind: "none" });
      throw error;
    }
    if (report) {
      const plan = readQueryPlan(body);
      onPlan(plan ? { kind: "plan", plan } : { kind: "none" });
    }
    return body as FetcherResult;
  };
}
