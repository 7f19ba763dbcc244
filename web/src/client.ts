// The urql client the app uses for every operation: document cache, fetch to the router.
import { Client, cacheExchange, fetchExchange } from "urql";

/**
 * A urql client for the router at `routerUrl`.
 *
 * Requests are POSTs with a JSON body (GraphQL over HTTP); the app accepts
 * application/graphql-response+json first, then application/json.
 */
export function createClient(routerUrl: string): Client {
  return new Client({
    url: routerUrl,
    exchanges: [cacheExchange, fetchExchange],
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    fetchOptions: {
      headers: { accept: "application/graphql-response+json, application/json" },
    },
  });
}
