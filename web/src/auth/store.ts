// The session store: who is signed in, their tokens, and the refresh that keeps them fresh.
//
// Where the tokens live:
// - The access token (a JWT, 15 minutes by default) is kept ONLY in memory, in this store: no
//   script-readable storage holds it, so a reload forgets it.
// - The refresh token is kept in sessionStorage (key `trellis.refreshToken`), so that reloading
//   the tab restores the session (one `refreshToken` call) instead of asking to log in again.
//   sessionStorage is tab-scoped (other tabs and a restarted browser do not see it) and
//   cleared on logout. The token is single use and rotated on every refresh; the server
//   revokes the whole login ("family") when a used token comes back, so a stolen copy works at
//   most once and its use ends the session for both holders. A tab duplicated by the browser
//   copies sessionStorage: the first of the two tabs to refresh wins, the other's refresh is a
//   reuse that revokes the family, and both go back to the login page.
//
// Refresh: proactively, about a minute before the access token expires (timed from the
// server's `expiresIn`, so a wrong browser clock does not matter), and once when the router
// refuses the token (HTTP 401 / UNAUTHENTICATED, see exchange.ts). Concurrent callers share
// one refresh call: refresh tokens are single use, so two parallel refreshes with the same
// token would look like a reuse and revoke the login. A failed refresh signs out.
//
// Spec: RFC 6749 §6 (refreshing an access token), RFC 9700 §4.14.2 (refresh token rotation),
// RFC 6750 §3.1 (invalid_token: 401 with WWW-Authenticate).
import { sessionFromToken, type Session } from "./token";

/** The sessionStorage key of the refresh token. */
export const REFRESH_TOKEN_KEY = "trellis.refreshToken";

/** How long before the access token expires the store refreshes it (milliseconds). */
export const REFRESH_LEAD_MS = 60_000;

/** The largest delay `setTimeout` keeps (milliseconds); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** What a login or a refresh hands out. */
export interface TokenGrant {
  /** The JWT to send as `Authorization: Bearer`. */
  accessToken: string;
  /** Lifetime of the access token (seconds). */
  expiresIn: number;
  /** The next refresh token (single use). */
  refreshToken: string;
}

/**
 * How the store talks to the server (the customers subgraph, through the router). Each call
 * rejects with an error when the server refused or could not be reached.
 */
export interface AuthTransport {
  login(username: string, password: string): Promise<TokenGrant>;
  refresh(refreshToken: string): Promise<TokenGrant>;
  logout(refreshToken: string): Promise<void>;
}

/** Why nobody is signed in: never was, logged out, or the session could not be kept. */
export type SignedOutReason = "none" | "loggedOut" | "expired";

/**
 * The store's state. `generation` changes whenever the signed-in person changes (login,
 * restore, sign-out), not on a refresh: what was loaded for one person is not shown to the next.
 */
export type AuthState =
  | { status: "restoring"; generation: number }
  | { status: "signedOut"; reason: SignedOutReason; generation: number }
  | { status: "signedIn"; session: Session; generation: number };

/** The part of `Storage` the store uses (sessionStorage in the browser). */
export type TokenStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** Options of {@link AuthStore}. */
export interface AuthStoreOptions {
  /** Login, refresh and logout calls. */
  transport: AuthTransport;
  /** Where the refresh token survives a reload; null keeps it in memory only. */
  storage?: TokenStorage | null;
  /** How long before expiry to refresh (milliseconds); {@link REFRESH_LEAD_MS} by default. */
  refreshLeadMs?: number;
}

/** The error `login` rejects with when the server's access token cannot be read. */
export class UnreadableTokenError extends Error {
  constructor() {
    super("The server's access token could not be read.");
    this.name = "UnreadableTokenError";
  }
}

/**
 * When to refresh a token that stays valid for `lifetimeMs`: `leadMs` before it expires, or
 * half-way through a lifetime shorter than twice the lead; never negative, at most what
 * `setTimeout` can wait.
 */
export function refreshDelayMs(lifetimeMs: number, leadMs: number = REFRESH_LEAD_MS): number {
  const delay = lifetimeMs > 2 * leadMs ? lifetimeMs - leadMs : lifetimeMs / 2;
  return Math.min(Math.max(0, Math.floor(delay)), MAX_TIMER_MS);
}

function readStorage(storage: TokenStorage | null): string | null {
  try {
    return storage?.getItem(REFRESH_TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

function writeStorage(storage: TokenStorage | null, token: string | null): void {
  try {
    if (token === null) storage?.removeItem(REFRESH_TOKEN_KEY);
    else storage?.setItem(REFRESH_TOKEN_KEY, token);
  } catch {
    // Storage refused (private mode, quota): the session lasts until the tab reloads.
  }
}

/**
 * The session: state for React (`subscribe`/`getState`, for `useSyncExternalStore`), the
 * access token for requests, and the login, refresh and logout flows.
 *
 * Starts `restoring` when storage holds a refresh token (call {@link AuthStore.restore}),
 * else `signedOut`.
 */
export class AuthStore {
  private state: AuthState;
  private readonly transport: AuthTransport;
  private readonly storage: TokenStorage | null;
  private readonly leadMs: number;
  private readonly listeners = new Set<() => void>();
  private token: string | null = null;
  private refreshTokenValue: string | null;
  private pending: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor({
    transport,
    storage = null,
    refreshLeadMs = REFRESH_LEAD_MS,
  }: AuthStoreOptions) {
    this.transport = transport;
    this.storage = storage;
    this.leadMs = refreshLeadMs;
    this.refreshTokenValue = readStorage(storage);
    this.state =
      this.refreshTokenValue === null
        ? { status: "signedOut", reason: "none", generation: 0 }
        : { status: "restoring", generation: 0 };
  }

  /** The current state (the same object until it changes). */
  getState = (): AuthState => this.state;

  /** Calls `listener` after every change of state; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** The signed-in session, or null. */
  session(): Session | null {
    return this.state.status === "signedIn" ? this.state.session : null;
  }

  /** The access token to send, or null when nobody is signed in. */
  accessToken(): string | null {
    return this.token;
  }

  /**
   * Restores the session of a reloaded tab: exchanges the stored refresh token for fresh
   * tokens. Resolves once the state is `signedIn` or (the token was refused) `signedOut`.
   */
  async restore(): Promise<void> {
    if (this.state.status !== "restoring") return;
    if (!(await this.refresh()) && this.state.status === "restoring") {
      this.signOut("expired");
    }
  }

  /**
   * Logs in; resolves once signed in. Rejects with the transport's error when the server
   * refused (wrong credentials, locked account: UNAUTHENTICATED) or was not reached, and with
   * {@link UnreadableTokenError} when its access token cannot be read.
   */
  async login(username: string, password: string): Promise<void> {
    const grant = await this.transport.login(username, password);
    const previous = this.refreshTokenValue;
    if (!this.accept(grant, true)) {
      void this.transport.logout(grant.refreshToken).catch(() => undefined);
      throw new UnreadableTokenError();
    }
    if (previous !== null && previous !== grant.refreshToken) {
      void this.transport.logout(previous).catch(() => undefined);
    }
  }

  /**
   * Exchanges the refresh token for new tokens. Calls made while one runs share it (one
   * request). Resolves true when signed in with fresh tokens; false (and signed out, unless
   * the person changed meanwhile) when there is no refresh token or the server refused it.
   */
  refresh(): Promise<boolean> {
    if (this.pending) return this.pending;
    const refreshToken = this.refreshTokenValue;
    if (refreshToken === null) return Promise.resolve(false);
    const generation = this.state.generation;
    const pending = this.transport.refresh(refreshToken).then(
      (grant) => {
        if (this.state.generation !== generation) {
          // Logged out (or in as someone else) meanwhile: this login is over, revoke it.
          void this.transport.logout(grant.refreshToken).catch(() => undefined);
          return false;
        }
        if (this.accept(grant, this.state.status !== "signedIn")) return true;
        this.signOut("expired");
        return false;
      },
      () => {
        if (this.state.generation === generation) this.signOut("expired");
        return false;
      },
    );
    this.pending = pending;
    void pending.finally(() => {
      if (this.pending === pending) this.pending = null;
    });
    return pending;
  }

  /**
   * What a request the router refused with `rejectedToken` does next: resolves true when it
   * may be sent again with {@link AuthStore.accessToken} (the token was refreshed since, by
   * this call or another one), false when the session could not be kept (signed out).
   */
  refreshAfterRejection(rejectedToken: string | null): Promise<boolean> {
    if (this.token !== null && this.token !== rejectedToken && this.pending === null) {
      return Promise.resolve(true);
    }
    return this.refresh();
  }

  /**
   * Logs out: forgets the tokens and the session at once (state `signedOut`, reason
   * `loggedOut`), then revokes the refresh token on the server (the `logout` mutation; a
   * failure there is ignored: the tokens are gone from this tab either way).
   */
  async logout(): Promise<void> {
    const refreshToken = this.refreshTokenValue;
    this.signOut("loggedOut");
    if (refreshToken === null) return;
    try {
      await this.transport.logout(refreshToken);
    } catch {
      // Unreachable server: the token expires on its own.
    }
  }

  /** Stops the refresh timer and drops the listeners (the store is no longer used). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** Takes the tokens of `grant`; false (nothing changed) when its access token is unreadable. */
  private accept(grant: TokenGrant, newPerson: boolean): boolean {
    const session = sessionFromToken(grant.accessToken);
    if (!session) return false;
    this.token = grant.accessToken;
    this.refreshTokenValue = grant.refreshToken;
    writeStorage(this.storage, grant.refreshToken);
    const generation = this.state.generation + (newPerson ? 1 : 0);
    this.schedule(grant.expiresIn * 1000);
    this.setState({ status: "signedIn", session, generation });
    return true;
  }

  private signOut(reason: SignedOutReason): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.token = null;
    this.refreshTokenValue = null;
    writeStorage(this.storage, null);
    this.setState({ status: "signedOut", reason, generation: this.state.generation + 1 });
  }

  private schedule(lifetimeMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, refreshDelayMs(lifetimeMs, this.leadMs));
  }

  private setState(next: AuthState): void {
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }
}
