// The session: tokens and their refresh (store.ts), the router calls (transport.ts), the
// Authorization header and 401 retry (exchange.ts), React bindings (context.tsx), route guards
// (RequireSession.tsx) and the access token's claims (token.ts).
export * from "./context";
export * from "./exchange";
export * from "./redirect";
export * from "./RequireSession";
export * from "./scopes";
export * from "./store";
export * from "./token";
export * from "./transport";
