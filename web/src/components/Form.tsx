// A form's frame (fields, the mutation's error in words, the submit button) and its state: the
// values as typed, the messages under its fields (its own checks over the server's), and the
// mutation error that still belongs to the last submission.
import { useState, type ReactNode } from "react";
import type { CombinedError } from "urql";
import { serverFieldMessages } from "../lib/errors";
import type { FormErrors } from "../lib/forms";
import { ErrorMessage } from "./QueryState";

/** Props of `Form`. */
export interface FormProps {
  /** Called on submit; the browser neither validates nor submits the form itself. */
  onSubmit: () => void;
  /** The mutation's error, shown in words under `failedTitle` ("The customer was not saved."). */
  error: CombinedError | undefined;
  failedTitle: string;
  /** The submit button's text. */
  submitLabel: string;
  /** True while the mutation runs (disables the button). */
  busy: boolean;
  /** The form's accessible name, when it has no heading of its own. */
  label?: string;
  /** The fields. */
  children: ReactNode;
}

/** A <form>: `children` (the fields), then the mutation's error, then the submit button. */
export function Form({
  onSubmit,
  error,
  failedTitle,
  submitLabel,
  busy,
  label,
  children,
}: FormProps) {
  return (
    <form
      aria-label={label}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      {children}
      <ErrorMessage error={error} title={failedTitle} />
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

/** Options of `useForm`. */
export interface FormOptions<Values> {
  /** The values the form starts with. */
  initial: Values;
  /** Prefix of the controls' ids: a field's id is `<idPrefix>-<name>`. */
  idPrefix: string;
  /** The mutation's error, if the last submission failed. */
  error: CombinedError | undefined;
  /** The server's field messages (`extensions.fields` by path) placed under the form's fields. */
  fieldErrors: (fields: Record<string, string>) => FormErrors<Values>;
}

/** The props `useForm` gives a `TextField`. */
export interface FormFieldProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}

/** What `useForm` returns. */
export interface FormState<Values> {
  values: Values;
  setValues: (values: Values) => void;
  /** The messages shown: the form's own over the server's. */
  errors: FormErrors<Values>;
  /** The mutation's error while it is to be shown: hidden once the form finds errors itself. */
  serverError: CombinedError | undefined;
  /**
   * Records what validation `found` on submit; true when there is nothing, i.e. the values may
   * be sent.
   */
  checked: (found: FormErrors<Values>) => boolean;
  /** The id, value, onChange and error of the field `name`. */
  field: (name: keyof Values & string) => FormFieldProps;
}

/**
 * The state of a form of text fields. Server messages belong to the submission that caused
 * them: once the form refuses a submission on its own checks, they are no longer shown.
 */
export function useForm<Values extends Record<keyof Values, string>>({
  initial,
  idPrefix,
  error,
  fieldErrors,
}: FormOptions<Values>): FormState<Values> {
  const [values, setValues] = useState<Values>(initial);
  const [found, setFound] = useState<FormErrors<Values>>({});
  const [refusedError, setRefusedError] = useState<CombinedError | undefined>(undefined);
  const serverError = error && error !== refusedError ? error : undefined;
  const errors: FormErrors<Values> = { ...fieldErrors(serverFieldMessages(serverError)), ...found };

  function checked(next: FormErrors<Values>): boolean {
    setFound(next);
    const ok = Object.keys(next).length === 0;
    setRefusedError(ok ? undefined : error);
    return ok;
  }

  function field(name: keyof Values & string): FormFieldProps {
    return {
      id: `${idPrefix}-${name}`,
      value: values[name],
      onChange: (value) => setValues((current) => ({ ...current, [name]: value })),
      error: errors[name],
    };
  }

  return { values, setValues, errors, serverError, checked, field };
}
