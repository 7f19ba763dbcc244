// A table's header row.

/** A column of `TableHead`: its header text, or `numeric(text)` for a right-aligned number. */
export type Column = string | { label: string; numeric: true };

/** A numeric column (class `num`: right-aligned, tabular figures). */
export function numeric(label: string): Column {
  return { label, numeric: true };
}

/** `<thead>` with one `<th scope="col">` per column, in order. */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) =>
          typeof column === "string" ? (
            <th key={column} scope="col">
              {column}
            </th>
          ) : (
            <th key={column.label} scope="col" className="num">
              {column.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
