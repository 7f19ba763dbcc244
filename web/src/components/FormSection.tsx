// A detail screen's form sections: a card with a heading and a notice, and the "Edit" section
// that sends only what changed.
import { Fragment, useState, type ReactNode } from "react";
import { useMutation, type CombinedError, type DocumentInput } from "urql";
import { Notice } from "./QueryState";

/** A `.card` section: the <h2> `title`, the notice (if any), then `children`. */
export function FormSection({
  title,
  notice,
  children,
}: {
  title: string;
  notice: string | null;
  children: ReactNode;
}) {
  return (
    <section className="card">
      <h2>{title}</h2>
      <Notice message={notice} />
      {children}
    </section>
  );
}

/** What a record's form (new or edit) takes. */
export interface RecordFormProps<Values> {
  /** The values the form starts with (empty for a new record). */
  initial: Values;
  /** The submit button's text ("Create customer", "Save changes"). */
  submitLabel: string;
  /** Called with the values once they pass validation; never with invalid values. */
  onSubmit: (values: Values) => void;
  /** True while the mutation runs (disables the button). */
  busy?: boolean;
  /** The mutation's error: shown in words, its field messages under their fields. */
  error?: CombinedError | undefined;
  /** Prefix of the controls' ids, unique on the page. */
  idPrefix?: string;
}

/** Props of `EditSection`. */
export interface EditSectionProps<Values, Input extends object> {
  /** The update mutation (variables `{id, input}`). */
  mutation: DocumentInput<unknown, { id: string; input: Input }>;
  id: string;
  /** The form's values for the record as loaded; a change of them starts the form afresh. */
  initial: Values;
  /** The update's input: only what differs from `initial` (empty when nothing changed). */
  changes: (values: Values) => Input;
  /** The form, given its props. */
  form: (props: RecordFormProps<Values>) => ReactNode;
}

/**
 * The "Edit" section: the form starts from `initial` and, on "Save changes", sends only the
 * changes (`mutation` with `{id, input}`), saying "Nothing changed." when there are none and
 * "Changes saved." once the update succeeded.
 */
export function EditSection<Values, Input extends object>({
  mutation,
  id,
  initial,
  changes,
  form,
}: EditSectionProps<Values, Input>) {
  const [result, update] = useMutation(mutation);
  const [notice, setNotice] = useState<string | null>(null);

  async function submit(values: Values) {
    const input = changes(values);
    if (Object.keys(input).length === 0) {
      setNotice("Nothing changed.");
      return;
    }
    setNotice(null);
    const outcome = await update({ id, input });
    if (!outcome.error) setNotice("Changes saved.");
  }

  return (
    <FormSection title="Edit" notice={notice}>
      <Fragment key={JSON.stringify(initial)}>
        {form({
          initial,
          submitLabel: "Save changes",
          onSubmit: (values) => void submit(values),
          busy: result.fetching,
          error: result.error,
        })}
      </Fragment>
    </FormSection>
  );
}
