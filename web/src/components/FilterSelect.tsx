// A list toolbar's filter: a label and a <select> of choices, e.g. "Status" or "Per page".

/** Props of `FilterSelect`. */
export interface FilterSelectProps<Choice extends string | number> {
  /** The select's id (the label's `htmlFor`). */
  id: string;
  label: string;
  choices: readonly Choice[];
  /** The chosen value; undefined for `all`. */
  value: Choice | undefined;
  /** Called with the new choice (undefined for `all`). */
  onChange: (value: Choice | undefined) => void;
  /** The text of a first "no filter" option (e.g. "All"); none when not given. */
  all?: string;
}

/** The label and the select of `choices` (shown as they are), plus an `all` option if given. */
export function FilterSelect<Choice extends string | number>({
  id,
  label,
  choices,
  value,
  onChange,
  all,
}: FilterSelectProps<Choice>) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value ?? ""}
        onChange={(event) =>
          onChange(choices.find((choice) => String(choice) === event.target.value))
        }
      >
        {all !== undefined ? <option value="">{all}</option> : null}
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    </>
  );
}
