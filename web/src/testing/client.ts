// A urql client for component tests: a real `Client` with the app's document cache, whose last
// exchange answers each operation by its name from canned answers instead of the network, and
// records the operations that reached it.
import type { DocumentNode } from "graphql";
import {
  Client,
  cacheExchange,
  getOperationName,
  makeResult,
  type Exchange,
  type OperationType,
  type RequestPolicy,
} from "urql";
import { filter, fromValue, mergeMap, never, pipe } from "wonka";

/** What the fake server answers: data, GraphQL errors `{message, extensions}`, or both. */
export interface MockAnswer {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * Answers by operation name, from the operation's variables. An operation without an answer
 * (or whose answer is undefined) never gets one: the screen stays loading.
 */
export type MockAnswers = Record<
  string,
  (variables: Record<string, unknown>) => MockAnswer | undefined
>;

/** An operation the screen sent: its name and variables. */
export interface SentOperation {
  name: string;
  variables: Record<string, unknown>;
}

/** An operation as it reached the fake server: also its kind and request policy. */
export interface MockCall extends SentOperation {
  kind: OperationType;
  requestPolicy: RequestPolicy;
}

/** The mock client and what reached it (past the cache), oldest first. */
export interface MockClient {
  client: Client;
  /** Every query and mutation. */
  calls: MockCall[];
  /** The queries' names and variables. */
  queries: SentOperation[];
  /** The mutations' names and variables. */
  mutations: SentOperation[];
}

/**
 * A client answering from `answers`. Answers should carry `__typename`s, so that mutations
 * invalidate queries as in the app.
 */
export function mockClient(answers: MockAnswers = {}): MockClient {
  const calls: MockCall[] = [];
  const queries: SentOperation[] = [];
  const mutations: SentOperation[] = [];
  const exchange: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((operation) => operation.kind !== "teardown"),
      mergeMap((operation) => {
        const name = getOperationName(operation.query as DocumentNode) ?? "";
        const variables = (operation.variables ?? {}) as Record<string, unknown>;
        const { kind } = operation;
        calls.push({ name, variables, kind, requestPolicy: operation.context.requestPolicy });
        if (kind === "query") queries.push({ name, variables });
        if (kind === "mutation") mutations.push({ name, variables });
        const answer = answers[name]?.(variables);
        if (!answer) return never;
        return fromValue(
          makeResult(operation, { data: answer.data ?? null, errors: answer.errors }),
        );
      }),
    );
  const client = new Client({
    url: "http://test.invalid/graphql",
    exchanges: [cacheExchange, exchange],
  });
  return { client, calls, queries, mutations };
}
