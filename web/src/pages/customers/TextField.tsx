// One labelled form field: <label>, input (or textarea), optional hint, and its error message.
import type { ChangeEvent, HTMLInputTypeAttribute } from "react";

/** What `TextField` needs: the control's id, its label text, its value and error. */
export interface TextFieldProps {
  /** The control's id (the label's `htmlFor`); unique on the page. */
  id: string;
  /** The label's exact text. */
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The message shown under the field; marks the control `aria-invalid` when set. */
  error?: string | undefined;
  /** A short help text under the control (not part of the label). */
  hint?: string;
  type?: HTMLInputTypeAttribute;
  /** A <textarea> instead of an <input>. */
  multiline?: boolean;
  autoComplete?: string;
  inputMode?: "text" | "email" | "tel" | "numeric" | "decimal";
}

/**
 * A `.field` block: the label, the control, a hint and a `.field-error` message. The hint and
 * the error describe the control (`aria-describedby`).
 */
export function TextField({
  id,
  label,
  value,
  onChange,
  error,
  hint,
  type = "text",
  multiline = false,
  autoComplete,
  inputMode,
}: TextFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    name: id,
    value,
    "aria-invalid": error ? ("true" as const) : undefined,
    "aria-describedby": describedBy,
    autoComplete,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea
          {...common}
          rows={3}
          onChange={(event: ChangeEvent<HTMLTextAreaElement>) => onChange(event.target.value)}
        />
      ) : (
        <input
          {...common}
          type={type}
          inputMode={inputMode}
          onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.value)}
        />
      )}
      {hint ? (
        <small id={hintId}>{hint}</small>
      ) : null}
      {error ? (
        <span id={errorId} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}
