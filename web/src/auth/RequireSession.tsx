// Route guards: the app's screens need a session (else the login page, remembering the page
// asked for), and some need a scope (else a "not allowed" page instead of a failing query).
import type { ReactNode } from "react";
import { Navigate, Outlet, useLocation } from "react-router-dom";
import { Loading } from "../components/QueryState";
import { useAuth } from "./context";
import { loginPath } from "./redirect";
import type { Scope } from "./scopes";

/**
 * Renders the child routes (`<Outlet />`) for a signed-in person; while a reloaded tab's
 * session is being restored, "Restoring your session…"; otherwise redirects to
 * `/login?next=<this page>` (plain `/login` after a logout).
 */
export function RequireSession() {
  const { state } = useAuth();
  const location = useLocation();
  if (state.status === "restoring") return <Loading what="Restoring your session" />;
  if (state.status === "signedOut") {
    const next = state.reason === "loggedOut" ? null : location.pathname + location.search;
    return <Navigate to={loginPath(next)} replace />;
  }
  return <Outlet />;
}

/**
 * `children` when the signed-in person holds `scope`; otherwise a "Not allowed" page saying
 * which permission is missing.
 */
export function RequireScope({ scope, children }: { scope: Scope; children: ReactNode }) {
  const { can } = useAuth();
  if (can(scope)) return <>{children}</>;
  return (
    <section>
      <h1>Not allowed</h1>
      <p className="error" role="alert">
        Your account may not open this page (it needs the permission <code>{scope}</code>).
      </p>
    </section>
  );
}
