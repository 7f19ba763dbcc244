// The access token's claims, read without verifying the signature: the router verifies every
// token (JWKS, ES256/RS256); the app only reads who is signed in and which scopes they hold,
// to decide which screens and actions to show. Nothing here is a security boundary.
//
// Spec: RFC 7519 (JWT), RFC 7515 §2 and §7.1 (base64url segments of a JWS compact
// serialization), RFC 9068 §2.2 (access token claims), RFC 8693 §4.2 (`scope`, space-separated).

/** Who is signed in, from the access token's claims. */
export interface Session {
  /** The account's id (`sub`). */
  accountId: string;
  /** The username (`preferred_username`), lower-cased by the server. */
  username: string;
  /** Role names (`roles`): admin, clerk and/or customer. */
  roles: readonly string[];
  /** Scopes (`scope`), e.g. "billing:write"; empty for a customer's login. */
  scopes: readonly string[];
  /** The customer a customer's login belongs to (`customer_id`); null for staff. */
  customerId: string | null;
  /** When the access token stops being accepted: the token's `exp` (epoch milliseconds). */
  expiresAt: number;
}

/** Decodes one base64url segment (no padding needed) to its UTF-8 text; null when invalid. */
export function base64UrlDecode(segment: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(segment) || segment.length % 4 === 1) return null;
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  try {
    const binary = atob(padded);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The payload of a JWS compact serialization (`header.payload.signature`); null if malformed. */
export function jwtPayload(token: string): Record<string, unknown> | null {
  const segments = token.split(".");
  if (segments.length !== 3) return null;
  const text = base64UrlDecode(segments[1] ?? "");
  if (text === null) return null;
  try {
    const payload: unknown = JSON.parse(text);
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return null;
    return payload as Record<string, unknown>;
  } catch {
    return null;
  }
}

function strings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === "string");
}

/**
 * The session an access token describes, or null when the token is malformed or lacks `sub`,
 * `exp` or `preferred_username`. `customer_id` may be a string or a number (kept as a string).
 */
export function sessionFromToken(token: string): Session | null {
  const claims = jwtPayload(token);
  if (!claims) return null;
  const { sub, exp, preferred_username: username, scope, customer_id: customerId } = claims;
  if (typeof sub !== "string" || typeof exp !== "number" || typeof username !== "string") {
    return null;
  }
  return {
    accountId: sub,
    username,
    roles: strings(claims.roles),
    scopes: typeof scope === "string" ? scope.split(" ").filter(Boolean) : [],
    customerId:
      typeof customerId === "string" || typeof customerId === "number" ? String(customerId) : null,
    expiresAt: exp * 1000,
  };
}

/** True when `session` holds `scope` (e.g. "customers:delete"). */
export function hasScope(session: Session | null, scope: string): boolean {
  return session !== null && session.scopes.includes(scope);
}

/** True for staff (an admin or a clerk), false for a customer's login. */
export function isStaff(session: Session | null): boolean {
  return session !== null && (session.roles.includes("admin") || session.roles.includes("clerk"));
}

/** The header line's text: "ada (customer)", "clerk (clerk)", "root (admin, clerk)". */
export function describeSession(session: Session): string {
  const roles = session.roles.length > 0 ? session.roles.join(", ") : "no role";
  return `${session.username} (${roles})`;
}
