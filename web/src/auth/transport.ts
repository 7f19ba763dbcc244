// The session's calls to the router (login, refreshToken, logout), on a urql client of their
// own: no Authorization header (these mutations are public) and no retry on 401, and the same
// request bodies as the app's client (the persisted query manifest lists them).
import { CombinedError, type Client } from "urql";
import { createClient } from "../client";
import {
  AuthLoginDocument,
  AuthLogoutDocument,
  AuthRefreshDocument,
} from "../graphql/generated";
import type { AuthTransport, TokenGrant } from "./store";

/** A login, refresh or logout the server refused or that did not reach it. */
export class AuthRequestError extends Error {
  /** urql's error: `networkError`, or GraphQL errors with `extensions.code`. */
  readonly error: CombinedError;

  constructor(error: CombinedError) {
    super(error.message);
    this.name = "AuthRequestError";
    this.error = error;
  }
}

/** The GraphQL error code of a failed session call ("UNAUTHENTICATED"), or null. */
export function authErrorCode(error: unknown): string | null {
  if (!(error instanceof AuthRequestError)) return null;
  const code = error.error.graphQLErrors[0]?.extensions?.code;
  return typeof code === "string" ? code : null;
}

function grantOf(payload: TokenGrant): TokenGrant {
  const { accessToken, expiresIn, refreshToken } = payload;
  return { accessToken, expiresIn, refreshToken };
}

function failure(error: CombinedError | undefined): AuthRequestError {
  return new AuthRequestError(
    error ?? new CombinedError({ networkError: new Error("The router sent no data.") }),
  );
}

/**
 * The transport of the browser's session store: mutations `login`, `refreshToken` and
 * `logout` sent to `routerUrl` by `client` (a client of its own by default). Each call
 * rejects with {@link AuthRequestError} when the answer has errors or no data.
 */
export function createAuthTransport(
  routerUrl: string,
  client: Client = createClient(routerUrl),
): AuthTransport {
  const network = { requestPolicy: "network-only" } as const;
  return {
    async login(username, password) {
      const result = await client
        .mutation(AuthLoginDocument, { username, password }, network)
        .toPromise();
      if (result.error || !result.data) throw failure(result.error);
      return grantOf(result.data.login);
    },
    async refresh(refreshToken) {
      const result = await client
        .mutation(AuthRefreshDocument, { refreshToken }, network)
        .toPromise();
      if (result.error || !result.data) throw failure(result.error);
      return grantOf(result.data.refreshToken);
    },
    async logout(refreshToken) {
      const result = await client
        .mutation(AuthLogoutDocument, { refreshToken }, network)
        .toPromise();
      if (result.error) throw failure(result.error);
    },
  };
}
