// The urql client the app uses for every operation: document cache, the session's
// Authorization header (and one retry after a refused token), fetch to the router.
import { Client, cacheExchange, fetchExchange } from "urql";
import { authExchange, type AuthLink } from "./auth/exchange";

/**
 * A urql client for the router at `routerUrl`.
 *
 * Requests are POSTs with a JSON body (GraphQL over HTTP); the app accepts
 * application/graphql-response+json first, then application/json. With `auth` (the session
 * store), every request carries `Authorization: Bearer <access token>` and a request the
 * router refuses for its token is sent once more after a refresh (see auth/exchange.ts);
 * without it, requests are anonymous (the session's own login and refresh calls).
 */
export function createClient(routerUrl: string, auth?: AuthLink): Client {
  return new Client({
    url: routerUrl,
    exchanges: auth
      ? [cacheExchange, authExchange(auth), fetchExchange]
      : [cacheExchange, fetchExchange],
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    fetchOptions: {
      headers: { accept: "application/graphql-response+json, application/json" },
    },
  });
}
