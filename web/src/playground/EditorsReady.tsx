// Tells the playground when GraphiQL's editors exist: GraphiQL loads CodeMirror on demand, and
// until the query and response editors are there its Run button does nothing.
import { useEditorContext } from "@graphiql/react";
import { useEffect } from "react";

/**
 * Renders nothing; calls `onChange(true)` once GraphiQL's query and response editors exist
 * (and `false` while they do not). Must be rendered inside GraphiQL (e.g. in its toolbar).
 */
export function EditorsReady({ onChange }: { onChange: (ready: boolean) => void }) {
  const editors = useEditorContext({ nonNull: true });
  const ready = editors.queryEditor !== null && editors.responseEditor !== null;
  useEffect(() => onChange(ready), [ready, onChange]);
  return null;
}
