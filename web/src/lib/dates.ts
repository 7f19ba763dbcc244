// Dates as the API sends them (ISO 8601, UTC) formatted for people.

/** `iso` (e.g. "2026-11-21T16:00:00+00:00") as a short local date and time; "—" for null. */
export function formatDateTime(iso: string | null | undefined, locale = "en-GB"): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** `iso` as a local date only; "—" for null. */
export function formatDate(iso: string | null | undefined, locale = "en-GB"): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(date);
}
