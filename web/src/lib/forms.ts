// What every form shares apart from React: a message per invalid field, the length checks the
// subgraphs apply, and the server's field messages (BAD_USER_INPUT `extensions.fields`) placed
// under the form's own fields.

/** A message per invalid field of a form whose values are `Values`. */
export type FormErrors<Values> = Partial<Record<keyof Values, string>>;

/** "At most `max` characters." when `text` is longer; undefined otherwise. */
export function atMost(text: string, max: number): string | undefined {
  return text.length > max ? `At most ${max} characters.` : undefined;
}

/** `missing` when `text` is empty, else `atMost(text, max)`. */
export function required(text: string, missing: string, max: number): string | undefined {
  return text === "" ? missing : atMost(text, max);
}

/**
 * The server's field messages (keyed by argument paths such as `input.email`,
 * `input.address.postalCode` or `delta`) placed under the form's fields: a path goes to the
 * field its last segment names, or to `aliases[segment]`; other paths are dropped. The first
 * message of a field wins.
 */
export function placeFieldErrors<Field extends string>(
  fields: Record<string, string>,
  known: readonly Field[],
  aliases: Readonly<Record<string, Field>> = {},
): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  for (const [path, message] of Object.entries(fields)) {
    const last = path.split(".").pop() ?? "";
    const field = Object.hasOwn(aliases, last)
      ? aliases[last]
      : known.find((name) => name === last);
    if (field !== undefined && errors[field] === undefined) errors[field] = message;
  }
  return errors;
}
