// A success notice carried to the next screen in the router's location state, e.g. "Customer
// created." shown on the new customer's page.

/** The location state a screen navigates with to show a notice on the next one. */
export interface NoticeState {
  notice: string;
}

/** The state to pass to `navigate(to, { state })` so the next screen shows `notice`. */
export function withNotice(notice: string): NoticeState {
  return { notice };
}

/** The notice in a location's state (`useLocation().state`, unknown), or null. */
export function noticeFrom(state: unknown): string | null {
  if (typeof state !== "object" || state === null) return null;
  const notice = (state as Record<string, unknown>).notice;
  return typeof notice === "string" ? notice : null;
}
