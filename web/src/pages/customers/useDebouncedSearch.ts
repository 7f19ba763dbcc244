// A search box's text, and the search a list query uses once typing pauses.
import { useEffect, useState } from "react";
import type { CursorPager } from "../../components/Pager";

/** The search box's text and the settled search term a list query is run with. */
export interface DebouncedSearch {
  /** What the box shows (every keystroke). */
  text: string;
  setText: (text: string) => void;
  /** The trimmed text once typing paused for `delayMs`; undefined when blank. */
  search: string | undefined;
}

/**
 * Debounces a search box: `search` follows `text` after `delayMs` without typing, and the
 * pager goes back to the first page in the same render, so no request pairs the new search
 * with an old cursor.
 */
export function useDebouncedSearch(pager: CursorPager, delayMs = 300): DebouncedSearch {
  const [text, setText] = useState("");
  const [search, setSearch] = useState<string | undefined>(undefined);
  const { reset } = pager;
  useEffect(() => {
    const settled = text.trim() || undefined;
    if (settled === search) return undefined;
    const timer = setTimeout(() => {
      setSearch(settled);
      reset();
    }, delayMs);
    return () => clearTimeout(timer);
  }, [text, search, reset, delayMs]);
  return { text, setText, search };
}
