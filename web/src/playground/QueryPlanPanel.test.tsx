import { button, click, render, type Rendered } from "../testing";
import type { RecordedPlan } from "./planFetcher";
import { QueryPlanPanel } from "./QueryPlanPanel";

const PLAN = {
  object: { kind: "QueryPlan", node: { kind: "Fetch", serviceName: "billing" } },
  text:
    'QueryPlan {\n  Fetch(service: "billing") {\n    {\n      invoices { number }\n    }\n  },\n}',
};

let rendered: Rendered | undefined;

/** Renders the panel with `plan`, or gives the panel already rendered the new `plan`. */
async function show(plan: RecordedPlan): Promise<HTMLElement> {
  if (rendered) await rendered.rerender(<QueryPlanPanel plan={plan} />);
  else rendered = await render(<QueryPlanPanel plan={plan} />);
  return rendered.container;
}

afterEach(() => {
  rendered = undefined;
});

function planText(): string | null {
  return document.querySelector('pre[data-testid="query-plan"]')?.textContent ?? null;
}

describe("QueryPlanPanel", () => {
  it("asks for a query before the first response", async () => {
    const container = await show({ kind: "idle" });

    expect(container.querySelector("h2")?.textContent).toBe("Query plan");
    expect(planText()).toBe("Run a query to see its plan.");
  });

  it("says so when the response had no plan", async () => {
    const container = await show({ kind: "none" });

    expect(planText()).toBe("No plan (the router did not send one)");
    expect(container.textContent).not.toContain("Run a query to see its plan.");
  });

  it("shows the text form, and the JSON form after a click on JSON", async () => {
    await show({ kind: "plan", plan: PLAN });

    expect(planText()).toBe(PLAN.text);
    expect(button("Text").getAttribute("aria-pressed")).toBe("true");
    expect(button("JSON").getAttribute("aria-pressed")).toBe("false");

    await click(button("JSON"));
    expect(planText()).toBe(JSON.stringify(PLAN.object, null, 2));
    expect(button("JSON").getAttribute("aria-pressed")).toBe("true");
    expect(button("Text").getAttribute("aria-pressed")).toBe("false");

    await click(button("Text"));
    expect(planText()).toBe(PLAN.text);
  });

  it("keeps the chosen form when a new plan arrives", async () => {
    await show({ kind: "idle" });
    await click(button("JSON"));

    const next = { object: { kind: "QueryPlan", node: null }, text: "QueryPlan {\n}" };
    await show({ kind: "plan", plan: next });

    expect(planText()).toBe(JSON.stringify(next.object, null, 2));
  });

  it("labels the panel with its heading", async () => {
    const container = await show({ kind: "idle" });

    const aside = container.querySelector("aside");
    const heading = container.querySelector("h2");
    expect(aside?.getAttribute("aria-labelledby")).toBe(heading?.id);
  });
});
