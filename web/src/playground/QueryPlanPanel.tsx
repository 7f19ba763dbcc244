// The query plan panel shown beside GraphiQL: the plan of the last response, as text or JSON.
import { useId, useState } from "react";
import type { RecordedPlan } from "./planFetcher";

/** How the panel shows a plan: Apollo's text form or its JSON form. */
export type PlanView = "text" | "json";

/** The words shown before the first response. */
export const PLAN_IDLE_TEXT = "Run a query to see its plan.";

/** The words shown when the last response had no plan. */
export const PLAN_NONE_TEXT = "No plan (the router did not send one)";

/** The text a plan is shown as in `view`. */
export function formatPlan(plan: { object: unknown; text: string }, view: PlanView): string {
  return view === "text" ? plan.text : JSON.stringify(plan.object, null, 2);
}

/**
 * The always-visible "Query plan" panel: heading, Text/JSON toggle buttons (aria-pressed),
 * and `<pre data-testid="query-plan">` holding the plan, or a sentence before the first
 * response and when a response had no plan (`data-state` is the {@link RecordedPlan} kind).
 */
export function QueryPlanPanel({ plan }: { plan: RecordedPlan }) {
  const [view, setView] = useState<PlanView>("text");
  const headingId = useId();
  return (
    <aside className="query-plan-panel" aria-labelledby={headingId}>
      <div className="query-plan-header">
        <h2 id={headingId}>Query plan</h2>
        <div className="query-plan-views" role="group" aria-label="Plan format">
          <button type="button" aria-pressed={view === "text"} onClick={() => setView("text")}>
            Text
          </button>
          <button type="button" aria-pressed={view === "json"} onClick={() => setView("json")}>
            JSON
          </button>
        </div>
      </div>
      <PlanBody plan={plan} view={view} />
    </aside>
  );
}

function PlanBody({ plan, view }: { plan: RecordedPlan; view: PlanView }) {
  const text =
    plan.kind === "plan"
      ? formatPlan(plan.plan, view)
      : plan.kind === "none"
        ? PLAN_NONE_TEXT
        : PLAN_IDLE_TEXT;
  return (
    <>
      <pre className="query-plan" data-testid="query-plan" data-state={plan.kind} data-view={view}>
        {text}
      </pre>
      {plan.kind === "none" ? (
        <p className="query-plan-note">
          The router returns plans when its expose_query_plan setting is on; requests that fail
          before planning have none.
        </p>
      ) : null}
    </>
  );
}
