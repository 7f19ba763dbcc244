import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CLERK_SESSION, CUSTOMER_SESSION, grantFor, type TestSession } from "../testing";
import {
  AuthStore,
  REFRESH_LEAD_MS,
  REFRESH_TOKEN_KEY,
  UnreadableTokenError,
  refreshDelayMs,
  type AuthTransport,
  type TokenGrant,
} from "./store";

/** A call the fake server received, and how to answer it. */
interface Call<T> {
  argument: string;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** A server answering login, refresh and logout when the test says so (the store's seam). */
class FakeServer implements AuthTransport {
  logins: Call<TokenGrant>[] = [];
  refreshes: Call<TokenGrant>[] = [];
  logouts: string[] = [];

  login(username: string): Promise<TokenGrant> {
    return new Promise((resolve, reject) =>
      this.logins.push({ argument: username, resolve, reject }),
    );
  }

  refresh(refreshToken: string): Promise<TokenGrant> {
    return new Promise((resolve, reject) =>
      this.refreshes.push({ argument: refreshToken, resolve, reject }),
    );
  }

  logout(refreshToken: string): Promise<void> {
    this.logouts.push(refreshToken);
    return Promise.resolve();
  }
}

function newStore(server: FakeServer): AuthStore {
  const store = new AuthStore({ transport: server, storage: window.sessionStorage });
  stores.push(store);
  return store;
}

/** Logs `store` in as `session` through `server`; returns the grant it received. */
async function logIn(
  store: AuthStore,
  server: FakeServer,
  session: TestSession = CLERK_SESSION,
): Promise<TokenGrant> {
  const done = store.login("someone", "password");
  const grant = grantFor(session);
  server.logins.at(-1)?.resolve(grant);
  await done;
  return grant;
}

const stores: AuthStore[] = [];

beforeEach(() => {
  window.sessionStorage.clear();
});

afterEach(() => {
  for (const store of stores.splice(0)) store.dispose();
  vi.useRealTimers();
});

describe("login", () => {
  it("signs in: access token in memory only, refresh token in sessionStorage", async () => {
    const server = new FakeServer();
    const store = newStore(server);
    expect(store.getState()).toEqual({ status: "signedOut", reason: "none", generation: 0 });
    const grant = await logIn(store, server);

    const state = store.getState();
    expect(state.status).toBe("signedIn");
    expect(store.session()?.username).toBe("clerk");
    expect(store.session()?.scopes).toContain("billing:write");
    expect(store.accessToken()).toBe(grant.accessToken);
    expect(window.sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe(grant.refreshToken);
    expect(Object.values({ ...window.sessionStorage })).not.toContain(grant.accessToken);
    expect(window.localStorage.length).toBe(0);
    expect(state.generation).toBe(1);
  });

  it("rejects with the server's refusal and stays signed out", async () => {
    const server = new FakeServer();
    const store = newStore(server);
    const done = store.login("clerk", "wrong");
    server.logins[0]?.reject(new Error("Invalid username or password."));
    await expect(done).rejects.toThrow("Invalid username or password.");
    expect(store.getState().status).toBe("signedOut");
    expect(window.sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });

  it("refuses an unreadable access token and revokes its refresh token", async () => {
    const server = new FakeServer();
    const store = newStore(server);
    const done = store.login("clerk", "password");
    server.logins[0]?.resolve({ accessToken: "garbage", expiresIn: 900, refreshToken: "r-1" });
    await expect(done).rejects.toBeInstanceOf(UnreadableTokenError);
    expect(store.getState().status).toBe("signedOut");
    expect(server.logouts).toEqual(["r-1"]);
  });
});

describe("restore", () => {
  it("exchanges the stored refresh token once; restoring until the answer", async () => {
    window.sessionStorage.setItem(REFRESH_TOKEN_KEY, "stored-token");
    const server = new FakeServer();
    const store = newStore(server);
    expect(store.getState().status).toBe("restoring");

    const restored = store.restore();
    expect(server.refreshes.map((call) => call.argument)).toEqual(["stored-token"]);
    expect(store.getState().status).toBe("restoring");
    const grant = grantFor(CUSTOMER_SESSION);
    server.refreshes[0]?.resolve(grant);
    await restored;

    expect(store.session()?.customerId).toBe("1");
    expect(store.accessToken()).toBe(grant.accessToken);
    expect(window.sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe(grant.refreshToken);
  });

  it("signs out (reason expired) and forgets the stored token when it is refused", async () => {
    window.sessionStorage.setItem(REFRESH_TOKEN_KEY, "revoked-token");
    const server = new FakeServer();
    const store = newStore(server);
    const restored = store.restore();
    server.refreshes[0]?.reject(new Error("Invalid refresh token."));
    await restored;
    expect(store.getState()).toMatchObject({ status: "signedOut", reason: "expired" });
    expect(window.sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });
});

describe("refresh", () => {
  it("runs proactively a minute before the access token expires", async () => {
    vi.useFakeTimers();
    const server = new FakeServer();
    const store = newStore(server);
    await logIn(store, server, { ...CLERK_SESSION, lifetimeSeconds: 900 });

    await vi.advanceTimersByTimeAsync(900_000 - REFRESH_LEAD_MS - 1);
    expect(server.refreshes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.refreshes).toHaveLength(1);

    const next = grantFor({ ...CLERK_SESSION, lifetimeSeconds: 900 });
    server.refreshes[0]?.resolve(next);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.accessToken()).toBe(next.accessToken);
    // The next one is timed from the new token.
    await vi.advanceTimersByTimeAsync(900_000 - REFRESH_LEAD_MS);
    expect(server.refreshes.map((call) => call.argument)).toEqual([
      expect.any(String),
      next.refreshToken,
    ]);
  });

  it("shares one call between concurrent callers (refresh tokens are single use)", async () => {
    const server = new FakeServer();
    const store = newStore(server);
    const first = await logIn(store, server);
    const generation = store.getState().generation;

    const calls = [
      store.refresh(),
      store.refresh(),
      store.refreshAfterRejection(first.accessToken),
    ];
    expect(server.refreshes.map((call) => call.argument)).toEqual([first.refreshToken]);
    server.refreshes[0]?.resolve(grantFor(CLERK_SESSION));
    expect(await Promise.all(calls)).toEqual([true, true, true]);
    // A refresh keeps the person: same generation (the app keeps its client and cache).
    expect(store.getState().generation).toBe(generation);

    // A request refused with the old token after the refresh: sent again, no new refresh.
    expect(await store.refreshAfterRejection(first.accessToken)).toBe(true);
    expect(server.refreshes).toHaveLength(1);
  });

  it("signs out when the refresh is refused", async () => {
    const server = new FakeServer();
    const store = newStore(server);
    await logIn(store, server);
    const refreshed = store.refresh();
    server.refreshes[0]?.reject(new Error("Invalid refresh token."));
    expect(await refreshed).toBe(false);
    expect(store.getState()).toMatchObject({ status: "signedOut", reason: "expired" });
    expect(store.accessToken()).toBeNull();
    expect(window.sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });
});

describe("logout", () => {
  it("forgets everything at once, then revokes the refresh token on the server", async () => {
    const server = new FakeServer();
    const store = newStore(server);
    const grant = await logIn(store, server);
    const generation = store.getState().generation;
    const listener = vi.fn();
    store.subscribe(listener);

    await store.logout();
    expect(store.getState()).toEqual({
      status: "signedOut",
      reason: "loggedOut",
      generation: generation + 1,
    });
    expect(listener).toHaveBeenCalled();
    expect(store.accessToken()).toBeNull();
    expect(store.session()).toBeNull();
    expect(window.sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(server.logouts).toEqual([grant.refreshToken]);
    // Nothing left to refresh with.
    expect(await store.refresh()).toBe(false);
  });

  it("drops (and revokes) the tokens of a refresh that was running", async () => {
    const server = new FakeServer();
    const store = newStore(server);
    await logIn(store, server);
    const refreshed = store.refresh();
    await store.logout();
    const late = grantFor(CLERK_SESSION);
    server.refreshes[0]?.resolve(late);
    expect(await refreshed).toBe(false);
    expect(store.getState().status).toBe("signedOut");
    expect(window.sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(server.logouts).toContain(late.refreshToken);
  });

  it("stops the proactive refresh", async () => {
    vi.useFakeTimers();
    const server = new FakeServer();
    // No storage: jsdom's sessionStorage sets timers of its own (storage events).
    const store = new AuthStore({ transport: server });
    stores.push(store);
    await logIn(store, server);
    expect(vi.getTimerCount()).toBe(1);
    await store.logout();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("refreshDelayMs", () => {
  it("is the lifetime minus the lead, or half a short lifetime, within setTimeout's range", () => {
    expect(refreshDelayMs(900_000)).toBe(840_000);
    expect(refreshDelayMs(90_000)).toBe(45_000);
    expect(refreshDelayMs(0)).toBe(0);
    expect(refreshDelayMs(-5)).toBe(0);
    expect(refreshDelayMs(1e13)).toBe(2_147_483_647);
  });
});
