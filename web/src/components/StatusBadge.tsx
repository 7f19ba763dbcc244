// A coloured badge for an invoice, order or reservation status.

/** `status` (e.g. PAID, OPEN, CANCELLED) as a badge; the CSS class is status-<lowercase>. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`badge status-${status.toLowerCase()}`} data-testid={testId}>
      {status}
    </span>
  );
}
