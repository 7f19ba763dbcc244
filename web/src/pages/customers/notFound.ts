// Telling "no such record" apart from a failed lookup on the detail screens.
import type { CombinedError } from "urql";

/**
 * True when a lookup by id found nothing: the record is null and every error (if any) says the
 * id is unknown or malformed (NOT_FOUND, BAD_USER_INPUT), so the screen says "No … with id"
 * instead of showing an error.
 */
export function isNotFound(record: unknown, error: CombinedError | undefined): boolean {
  if (record !== null) return false;
  if (!error) return true;
  if (error.networkError) return false;
  return error.graphQLErrors.every((item) => {
    const code = item.extensions?.code;
    return code === "NOT_FOUND" || code === "BAD_USER_INPUT";
  });
}
