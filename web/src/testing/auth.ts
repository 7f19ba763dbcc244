// Sessions for component tests: access tokens with the claims the customers subgraph puts in
// them (unsigned: the app never verifies signatures), and session stores signed in as a given
// person, whose login, refresh and logout calls go to a mock urql client.
import { afterEach } from "vitest";
import { AuthStore, SCOPES, createAuthTransport, type TokenGrant } from "../auth";
import { mockClient, type MockClient } from "./client";

/** Who a test signs in as; every field has a default (an admin with every scope). */
export interface TestSession {
  username?: string;
  roles?: readonly string[];
  scopes?: readonly string[];
  /** The customer of a customer's login (the `customer_id` claim). */
  customerId?: string | null;
  /** The access token's lifetime (seconds; `expiresIn`, and `exp` from now). */
  lifetimeSeconds?: number;
}

/** An admin holding every scope: what screens are rendered with unless a test says otherwise. */
export const ADMIN_SESSION: TestSession = {
  username: "admin",
  roles: ["admin"],
  scopes: SCOPES,
  customerId: null,
};

/** A clerk: every scope but customers:delete. */
export const CLERK_SESSION: TestSession = {
  username: "clerk",
  roles: ["clerk"],
  scopes: SCOPES.filter((scope) => scope !== "customers:delete"),
  customerId: null,
};

/** A customer's login (customer 1): no scope. */
export const CUSTOMER_SESSION: TestSession = {
  username: "ada",
  roles: ["customer"],
  scopes: [],
  customerId: "1",
};

function base64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const binary = Array.from(bytes, (byte) => String.fromCharCode(byte)).join("");
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A JWS compact serialization of `claims` with an ES256 header and a fake signature. */
export function fakeAccessToken(claims: Record<string, unknown>): string {
  const header = base64Url(JSON.stringify({ alg: "ES256", typ: "at+jwt", kid: "test" }));
  return `${header}.${base64Url(JSON.stringify(claims))}.c2lnbmF0dXJl`;
}

let issued = 0;

/**
 * A grant for `session` as the server would hand it out: an access token with `sub`, `exp`,
 * `scope`, `roles`, `preferred_username` (and `customer_id`), and a new refresh token.
 */
export function grantFor(session: TestSession = {}, now: number = Date.now()): TokenGrant {
  const { username, roles, scopes, customerId, lifetimeSeconds } = {
    ...ADMIN_SESSION,
    lifetimeSeconds: 900,
    ...session,
  };
  issued += 1;
  const claims: Record<string, unknown> = {
    sub: `account-${username ?? "admin"}`,
    exp: Math.floor(now / 1000) + lifetimeSeconds,
    iat: Math.floor(now / 1000),
    jti: `jti-${issued}`,
    scope: (scopes ?? []).join(" "),
    roles: roles ?? [],
    preferred_username: username,
  };
  if (customerId) claims.customer_id = customerId;
  return {
    accessToken: fakeAccessToken(claims),
    expiresIn: lifetimeSeconds,
    refreshToken: `refresh-${issued}`,
  };
}

const stores = new Set<AuthStore>();

afterEach(() => {
  for (const store of stores) store.dispose();
  stores.clear();
});

/** A session store and the mock client its login, refresh and logout calls reach. */
export interface TestStore {
  store: AuthStore;
  server: MockClient;
}

/**
 * A store whose server logs anyone in as `session` (and refreshes as `session`); signed out.
 * Disposed after the test.
 */
export function testStore(session: TestSession = {}): TestStore {
  const server = mockClient({
    AuthLogin: () => ({ data: { login: { __typename: "AuthPayload", ...grantFor(session) } } }),
    AuthRefresh: () => ({
      data: { refreshToken: { __typename: "AuthPayload", ...grantFor(session) } },
    }),
    AuthLogout: () => ({ data: { logout: true } }),
  });
  const store = new AuthStore({
    transport: createAuthTransport("http://test.invalid/graphql", server.client),
  });
  stores.add(store);
  return { store, server };
}

/** A store signed in as `session` (an admin with every scope by default). */
export async function signedInStore(session: TestSession = ADMIN_SESSION): Promise<AuthStore> {
  const { store } = testStore(session);
  await store.login(session.username ?? "admin", "password");
  return store;
}
