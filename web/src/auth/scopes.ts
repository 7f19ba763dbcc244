// The scopes the app checks before showing an action, as the customers subgraph puts them in
// access tokens (trellis_customers.tokens.SCOPES_BY_ROLE): admin has all of them, a clerk all
// but customers:delete, a customer none (the router gives a customer their own data).

/** Every scope an access token may carry. */
export const SCOPES = [
  "customers:read",
  "customers:write",
  "customers:delete",
  "billing:read",
  "billing:write",
  "inventory:read",
  "inventory:write",
  "orders:read",
  "orders:write",
] as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];
