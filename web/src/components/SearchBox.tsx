// A search box: its text, and the search a query uses once typing pauses.
import { useEffect, useState } from "react";
import type { CursorPager } from "./Pager";

/** The search box's text and the settled search term a query is run with. */
export interface DebouncedSearch {
  /** What the box shows (every keystroke). */
  text: string;
  setText: (text: string) => void;
  /** The trimmed text once typing paused for `delayMs`; undefined when blank. */
  search: string | undefined;
}

/** Options of `useDebouncedSearch`. */
export interface DebouncedSearchOptions {
  /** The list's pager: back to the first page whenever the search settles. */
  pager?: Pick<CursorPager, "reset">;
  /** How long typing must pause before the search changes, in ms. */
  delayMs?: number;
}

/**
 * Debounces a search box: `search` follows `text` after `delayMs` without typing, and the
 * pager goes back to the first page in the same render, so no request pairs the new search
 * with an old cursor.
 */
export function useDebouncedSearch({
  pager,
  delayMs = 300,
}: DebouncedSearchOptions = {}): DebouncedSearch {
  const [text, setText] = useState("");
  const [search, setSearch] = useState<string | undefined>(undefined);
  const reset = pager?.reset;
  useEffect(() => {
    const settled = text.trim() || undefined;
    if (settled === search) return undefined;
    const timer = setTimeout(() => {
      setSearch(settled);
      reset?.();
    }, delayMs);
    return () => clearTimeout(timer);
  }, [text, search, reset, delayMs]);
  return { text, setText, search };
}

/** A list toolbar's "Search" label and search input, bound to a `useDebouncedSearch`. */
export function SearchBox({
  id,
  placeholder,
  search,
}: {
  id: string;
  placeholder: string;
  search: DebouncedSearch;
}) {
  return (
    <>
      <label htmlFor={id}>Search</label>
      <input
        id={id}
        type="search"
        value={search.text}
        placeholder={placeholder}
        onChange={(event) => search.setText(event.target.value)}
      />
    </>
  );
}
