// The session in React: the store in a context, `useAuth()` for screens, and the urql client
// of the signed-in person (a new client, hence an empty cache, whenever the person changes).
import {
  createContext,
  useCallback,
  useContext,
  useMemo,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import { Provider } from "urql";
import { createClient } from "../client";
import type { Scope } from "./scopes";
import type { AuthState, AuthStore } from "./store";
import { hasScope, type Session } from "./token";

const AuthContext = createContext<AuthStore | null>(null);

/** Makes `store` the session of everything inside. */
export function AuthProvider({ store, children }: { store: AuthStore; children: ReactNode }) {
  return <AuthContext.Provider value={store}>{children}</AuthContext.Provider>;
}

/** The session store of `AuthProvider`; throws outside one. */
export function useAuthStore(): AuthStore {
  const store = useContext(AuthContext);
  if (!store) throw new Error("useAuthStore() needs an <AuthProvider> around the component");
  return store;
}

/** What `useAuth()` gives a screen. */
export interface Auth {
  /** The store's state: restoring, signedOut (with the reason) or signedIn. */
  state: AuthState;
  /** Who is signed in, or null. */
  session: Session | null;
  /** True when the signed-in person holds `scope` (e.g. "billing:write"). */
  can: (scope: Scope) => boolean;
  /** Logs in (rejects with the server's refusal, see `AuthStore.login`). */
  login: (username: string, password: string) => Promise<void>;
  /** Logs out (forgets the tokens at once, then revokes the refresh token). */
  logout: () => Promise<void>;
}

/** The session (re-renders on every change of it) and its actions. */
export function useAuth(): Auth {
  const store = useAuthStore();
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const session = state.status === "signedIn" ? state.session : null;
  const can = useCallback((scope: Scope) => hasScope(session, scope), [session]);
  const login = useCallback(
    (username: string, password: string) => store.login(username, password),
    [store],
  );
  const logout = useCallback(() => store.logout(), [store]);
  return { state, session, can, login, logout };
}

/**
 * Provides the urql client for the router at `routerUrl`, signing requests with the session's
 * token. The client is made anew when the signed-in person changes (login, logout, a failed
 * refresh), so nothing one person loaded is shown to the next; a refresh keeps it.
 */
export function SessionClientProvider({
  routerUrl,
  children,
}: {
  routerUrl: string;
  children: ReactNode;
}) {
  const store = useAuthStore();
  const { generation } = useSyncExternalStore(store.subscribe, store.getState);
  const client = useMemo(
    () => createClient(routerUrl, store),
    // `generation` is not read, but a new one means a new person: a new client and cache.
    [routerUrl, store, generation],
  );
  return <Provider value={client}>{children}</Provider>;
}

/** `children` when the signed-in person holds `scope`, else nothing (a hidden action). */
export function Can({ scope, children }: { scope: Scope; children: ReactNode }) {
  const { can } = useAuth();
  return can(scope) ? <>{children}</> : null;
}
