// Where the standalone playground sends its requests.

/**
 * The endpoint of the standalone page: its own URL without query string or fragment (the
 * router serves the page at GET /graphql, so requests go back to the same URL).
 */
export function pageEndpoint(location: Pick<Location, "origin" | "pathname">): string {
  return `${location.origin}${location.pathname}`;
}
