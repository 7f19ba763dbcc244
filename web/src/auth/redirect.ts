// Where the login page sends a person after logging in: back to the page they asked for
// (`/login?next=/invoices/7`), only ever a path of this app.

/** The page shown after a login when none was asked for. */
export const DEFAULT_NEXT = "/invoices";

/** The login page's path for someone who asked for `next` (a path with its query string). */
export function loginPath(next?: string | null): string {
  const target = safeNext(next ?? null);
  return target === DEFAULT_NEXT ? "/login" : `/login?next=${encodeURIComponent(target)}`;
}

/**
 * `next` when it is a path of this app ("/orders?status=PAID"), else {@link DEFAULT_NEXT}:
 * absolute and protocol-relative URLs ("https://…", "//evil.example"), back-slashes and the
 * login page itself are refused, so the parameter cannot send anyone elsewhere.
 */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) {
    return DEFAULT_NEXT;
  }
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/login/")) {
    return DEFAULT_NEXT;
  }
  return next;
}
