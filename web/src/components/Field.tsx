// Labelled form fields: a <label>, the control, an optional hint and the field's error message.
import type { ChangeEvent, HTMLInputTypeAttribute, ReactNode } from "react";

/** The attributes `Field` gives its control: id, name, and the ARIA state of its message. */
export interface FieldControlProps {
  id: string;
  name: string;
  /** "true" while the field has an error. */
  "aria-invalid": "true" | undefined;
  /** The hint and the error message, when shown. */
  "aria-describedby": string | undefined;
  /** The label, then the `labelledBy` element (only when `labelledBy` is given). */
  "aria-labelledby": string | undefined;
}

/** What every field takes: the control's id, its label text, a hint and its error. */
export interface FieldProps {
  /** The control's id (the label's `htmlFor`); unique on the page. */
  id: string;
  /** The label's exact text. */
  label: string;
  /** The message shown under the field; marks the control `aria-invalid` when set. */
  error?: string | undefined;
  /** A short help text under the control (not part of the label). */
  hint?: string | undefined;
  /** The id of an element whose text completes the control's name (e.g. a hidden "line 2"). */
  labelledBy?: string | undefined;
}

/**
 * A `.field` block: the label, the control `children` renders with the props it is given, a
 * hint and a `.field-error` message. The hint and the error describe the control.
 */
export function Field({
  id,
  label,
  error,
  hint,
  labelledBy,
  children,
}: FieldProps & { children: (control: FieldControlProps) => ReactNode }) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const labelId = labelledBy ? `${id}-label` : undefined;
  const control: FieldControlProps = {
    id,
    name: id,
    "aria-invalid": error ? "true" : undefined,
    "aria-describedby": [hintId, errorId].filter(Boolean).join(" ") || undefined,
    "aria-labelledby": labelId ? `${labelId} ${labelledBy}` : undefined,
  };
  return (
    <div className="field">
      <label htmlFor={id} id={labelId}>
        {label}
      </label>
      {children(control)}
      {hint ? <small id={hintId}>{hint}</small> : null}
      {error ? (
        <span id={errorId} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** What `TextField` needs besides `FieldProps`: its value and how it is typed. */
export interface TextFieldProps extends FieldProps {
  value: string;
  onChange: (value: string) => void;
  type?: HTMLInputTypeAttribute;
  /** A <textarea> instead of an <input>. */
  multiline?: boolean;
  autoComplete?: string;
  inputMode?: "text" | "email" | "tel" | "numeric" | "decimal";
}

/** A text field: `Field` around an <input> (or a <textarea> when `multiline`). */
export function TextField({
  value,
  onChange,
  type = "text",
  multiline = false,
  autoComplete,
  inputMode,
  ...field
}: TextFieldProps) {
  return (
    <Field {...field}>
      {(control) =>
        multiline ? (
          <textarea
            {...control}
            value={value}
            autoComplete={autoComplete}
            rows={3}
            onChange={(event: ChangeEvent<HTMLTextAreaElement>) => onChange(event.target.value)}
          />
        ) : (
          <input
            {...control}
            value={value}
            autoComplete={autoComplete}
            type={type}
            inputMode={inputMode}
            onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.value)}
          />
        )
      }
    </Field>
  );
}

/** What `SelectField` needs besides `FieldProps`: the chosen value and the <option>s. */
export interface SelectFieldProps extends FieldProps {
  value: string;
  onChange: (value: string) => void;
  /** The <option> elements. */
  children: ReactNode;
}

/** A select field: `Field` around a <select> of `children`. */
export function SelectField({ value, onChange, children, ...field }: SelectFieldProps) {
  return (
    <Field {...field}>
      {(control) => (
        <select {...control} value={value} onChange={(event) => onChange(event.target.value)}>
          {children}
        </select>
      )}
    </Field>
  );
}
