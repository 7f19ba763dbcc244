// Cursor paging (Relay connections: first/after, pageInfo.endCursor/hasNextPage).
import { useCallback, useState } from "react";

/** Where a cursor-paged list is: the `after` cursor to request and how to move. */
export interface CursorPager {
  /** The `after` argument for the current page (undefined on the first page). */
  after: string | undefined;
  /** 1-based page number. */
  page: number;
  /** Go to the page after `endCursor` (the current page's pageInfo.endCursor). */
  next: (endCursor: string) => void;
  /** Go back one page (no-op on the first page). */
  previous: () => void;
  /** Back to the first page (e.g. when the search changes). */
  reset: () => void;
}

/** Keeps the stack of `after` cursors of the pages visited, so Previous works. */
export function useCursorPager(): CursorPager {
  const [stack, setStack] = useState<string[]>([]);
  const next = useCallback((endCursor: string) => setStack((s) => [...s, endCursor]), []);
  const previous = useCallback(() => setStack((s) => s.slice(0, -1)), []);
  const reset = useCallback(() => setStack([]), []);
  return { after: stack[stack.length - 1], page: stack.length + 1, next, previous, reset };
}

/**
 * A list filter's value (a status, the page size, "In stock only"…) and its setter, which also
 * takes the pager back to the first page: the old cursors belong to the old filter.
 */
export function useListFilter<T>(pager: CursorPager, initial: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(initial);
  const { reset } = pager;
  const set = useCallback(
    (next: T) => {
      setValue(() => next);
      reset();
    },
    [reset],
  );
  return [value, set];
}

/** Previous / Next buttons and "Page n · total" for a connection. */
export function Pager({
  pager,
  pageInfo,
  totalCount,
}: {
  pager: CursorPager;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null } | undefined;
  totalCount?: number;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={pager.previous} disabled={pager.page === 1}>
        Previous
      </button>
      <span>
        Page {pager.page}
        {totalCount !== undefined ? ` · ${totalCount} in all` : ""}
      </span>
      <button
        type="button"
        onClick={() => pageInfo?.endCursor && pager.next(pageInfo.endCursor)}
        disabled={!pageInfo?.hasNextPage || !pageInfo.endCursor}
      >
        Next
      </button>
    </nav>
  );
}
