// The app's real urql client (cache, auth exchange, fetch) and session store against a fake
// router behind `fetch`: it accepts only the last access token it issued, answers 401
// otherwise, and rotates refresh tokens (single use) as the customers subgraph does.
import { gql } from "urql";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createClient } from "../client";
import { grantFor } from "../testing";
import { isAuthFailure, sessionHeaderSource } from "./exchange";
import { AuthStore } from "./store";
import { createAuthTransport } from "./transport";

const URL = "http://router.test/graphql";
const PROBE = gql`
  query ExchangeProbe {
    me {
      username
    }
  }
`;

interface Seen {
  operationName: string;
  authorization: string | null;
  accept: string | null;
}

/** The fake router: what it saw, and knobs for the test. */
class FakeRouter {
  seen: Seen[] = [];
  accessToken: string | null = null;
  refreshToken: string | null = null;
  /** Refuse every refresh (UNAUTHENTICATED). */
  refuseRefresh = false;
  /** Refuse every token, even fresh ones. */
  refuseAll = false;
  /** Answer a refused token with HTTP 200 and a GraphQL error instead of a 401. */
  refuseIn200 = false;

  /** Issues a new token pair as mutation `field`'s answer, invalidating the previous ones. */
  private grant(field: string): Response {
    const grant = grantFor({ username: "clerk", roles: ["clerk"], scopes: ["billing:read"] });
    this.accessToken = grant.accessToken;
    this.refreshToken = grant.refreshToken;
    return json(200, { data: { [field]: { __typename: "AuthPayload", ...grant } } });
  }

  fetch = (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const body = JSON.parse(String(init?.body)) as {
      operationName: string;
      variables?: Record<string, unknown>;
      query: string;
    };
    this.seen.push({
      operationName: body.operationName,
      authorization: headers.get("authorization"),
      accept: headers.get("accept"),
    });
    return Promise.resolve(this.answer(body.operationName, body, headers));
  };

  private answer(
    name: string,
    body: { variables?: Record<string, unknown>; query: string },
    headers: Headers,
  ): Response {
    if (name === "AuthLogin") return this.grant("login");
    if (name === "AuthRefresh") {
      if (this.refuseRefresh || body.variables?.refreshToken !== this.refreshToken) {
        return json(200, { data: null, errors: [unauthenticated("Invalid refresh token.")] });
      }
      return this.grant("refreshToken");
    }
    if (name === "AuthLogout") return json(200, { data: { logout: true } });
    const authorization = headers.get("authorization");
    if (authorization === null) {
      return json(200, { data: { me: null } });
    }
    if (this.refuseAll || authorization !== `Bearer ${this.accessToken}`) {
      const error = unauthenticated("The access token is invalid or expired.");
      return this.refuseIn200
        ? json(200, { data: null, errors: [error] })
        : json(401, { errors: [error] });
    }
    return json(200, { data: { me: { __typename: "Account", username: "clerk" } } });
  }

  /** The Authorization headers of the probe queries, in order. */
  probes(): (string | null)[] {
    return this.seen
      .filter((item) => item.operationName === "ExchangeProbe")
      .map((item) => item.authorization);
  }

  refreshes(): number {
    return this.seen.filter((item) => item.operationName === "AuthRefresh").length;
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/graphql-response+json" },
  });
}

function unauthenticated(message: string) {
  return { message, extensions: { code: "UNAUTHENTICATED" } };
}

let router: FakeRouter;
let store: AuthStore;

beforeEach(() => {
  router = new FakeRouter();
  vi.stubGlobal("fetch", router.fetch);
  store = new AuthStore({ transport: createAuthTransport(URL) });
});

afterEach(() => {
  store.dispose();
  vi.unstubAllGlobals();
});

function probe() {
  return createClient(URL, store).query(PROBE, {}, { requestPolicy: "network-only" }).toPromise();
}

describe("authExchange", () => {
  it("sends the session's access token as a Bearer token, keeping the accept header", async () => {
    await store.login("clerk", "trellis-clerk-demo");
    const token = store.accessToken();
    const result = await probe();
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual({ me: { __typename: "Account", username: "clerk" } });
    expect(router.probes()).toEqual([`Bearer ${token}`]);
    const sent = router.seen.find((item) => item.operationName === "ExchangeProbe");
    expect(sent?.accept).toBe("application/graphql-response+json, application/json");
    // The session's own calls carry no token.
    const login = router.seen.find((item) => item.operationName === "AuthLogin");
    expect(login?.authorization).toBeNull();
  });

  it("refreshes once on a 401 and sends the request again with the new token", async () => {
    await store.login("clerk", "trellis-clerk-demo");
    const stale = store.accessToken();
    router.accessToken = "rotated-elsewhere"; // the router no longer takes the token held
    const client = createClient(URL, store);
    const other = gql`
      query ExchangeProbe2 {
        me {
          username
        }
      }
    `;
    const [first, second] = await Promise.all([
      client.query(PROBE, {}, { requestPolicy: "network-only" }).toPromise(),
      client.query(other, {}, { requestPolicy: "network-only" }).toPromise(),
    ]);

    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    expect(first.data).toEqual({ me: { __typename: "Account", username: "clerk" } });
    expect(router.refreshes()).toBe(1); // two refused requests, one refresh
    const fresh = store.accessToken();
    expect(fresh).not.toBe(stale);
    expect(router.probes()).toEqual([`Bearer ${stale}`, `Bearer ${fresh}`]);
    expect(store.getState().status).toBe("signedIn");
  });

  it("also retries after a GraphQL UNAUTHENTICATED error in a 200 answer", async () => {
    await store.login("clerk", "trellis-clerk-demo");
    router.accessToken = "rotated-elsewhere";
    router.refuseIn200 = true;
    const result = await probe();
    expect(result.error).toBeUndefined();
    expect(router.probes()).toHaveLength(2);
  });

  it("gives the refusal and signs out when the refresh is refused", async () => {
    await store.login("clerk", "trellis-clerk-demo");
    router.accessToken = "rotated-elsewhere";
    router.refuseRefresh = true;
    const result = await probe();
    expect(isAuthFailure(result.error)).toBe(true);
    expect(result.error?.response?.status).toBe(401);
    expect(router.probes()).toHaveLength(1);
    expect(store.getState()).toMatchObject({ status: "signedOut", reason: "expired" });
  });

  it("sends a request again only once", async () => {
    await store.login("clerk", "trellis-clerk-demo");
    router.refuseAll = true;
    const result = await probe();
    expect(isAuthFailure(result.error)).toBe(true);
    expect(router.probes()).toHaveLength(2);
    expect(router.refreshes()).toBe(1);
  });

  it("sends no header and never retries without a session", async () => {
    const result = await probe();
    expect(result.data).toEqual({ me: null });
    expect(router.probes()).toEqual([null]);
    expect(router.refreshes()).toBe(0);
  });
});

describe("sessionHeaderSource", () => {
  it("gives the Authorization header and renews after a refused one", async () => {
    const source = sessionHeaderSource(store);
    expect(source.headers()).toEqual({});
    await store.login("clerk", "trellis-clerk-demo");
    const sent = source.headers();
    expect(sent).toEqual({ authorization: `Bearer ${store.accessToken()}` });
    expect(await source.renew(sent)).toBe(true);
    expect(router.refreshes()).toBe(1);
    expect(source.headers()).not.toEqual(sent);
  });
});
