// The GraphiQL playground: GraphiQL with the explorer plugin, and the query plan panel beside
// it. Everything (scripts, styles, fonts) is bundled; nothing is loaded from a CDN.
import { explorerPlugin } from "@graphiql/plugin-explorer";
import "@graphiql/plugin-explorer/style.css";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { useMemo, useState } from "react";
import { DEFAULT_QUERY } from "./defaultQuery";
import { EditorsReady } from "./EditorsReady";
import { createPlanFetcher, type HeaderSource, type RecordedPlan } from "./planFetcher";
import { QueryPlanPanel } from "./QueryPlanPanel";
import "./playground.css";

const plugins = [explorerPlugin()];

/**
 * GraphiQL pointed at `endpoint` (every request asks for the query plan) with the explorer
 * plugin, and the "Query plan" panel showing the plan of the last response. It fills its
 * parent's height. The Run button stays hidden until GraphiQL's editors have loaded (before
 * that, a click would do nothing). With `headerSource` (the SPA's session), every request
 * carries its headers; keep it stable (a new one makes a new fetcher).
 */
export function Playground({
  endpoint,
  headerSource,
}: {
  endpoint: string;
  headerSource?: HeaderSource;
}) {
  const [plan, setPlan] = useState<RecordedPlan>({ kind: "idle" });
  const [editorsReady, setEditorsReady] = useState(false);
  const fetcher = useMemo(
    () => createPlanFetcher({ url: endpoint, onPlan: setPlan, headerSource }),
    [endpoint, headerSource],
  );
  return (
    <div className="playground" data-editors-ready={editorsReady}>
      <div className="playground-graphiql">
        <GraphiQL
          fetcher={fetcher}
          plugins={plugins}
          defaultQuery={DEFAULT_QUERY}
          forcedTheme="light"
        >
          <GraphiQL.Toolbar>
            {({ prettify, merge, copy }) => (
              <>
                {prettify}
                {merge}
                {copy}
                <EditorsReady onChange={setEditorsReady} />
              </>
            )}
          </GraphiQL.Toolbar>
        </GraphiQL>
      </div>
      <QueryPlanPanel plan={plan} />
    </div>
  );
}
