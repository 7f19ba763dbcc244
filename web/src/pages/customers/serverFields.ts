// The field messages a mutation's BAD_USER_INPUT error carries (`extensions.fields`).
import type { CombinedError } from "urql";
import { describeErrors } from "../../lib/errors";

/** Every `extensions.fields` message of `error`, by field path (e.g. "input.email"). */
export function serverFieldMessages(error: CombinedError | undefined): Record<string, string> {
  if (!error) return {};
  return Object.assign({}, ...describeErrors(error).map((item) => item.fields)) as Record<
    string,
    string
  >;
}
