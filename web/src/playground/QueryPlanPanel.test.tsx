// Rendered with react-dom and `act` directly (the app does not depend on @testing-library).
import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { QueryPlanPanel } from "./QueryPlanPanel";
import type { RecordedPlan } from "./planFetcher";

declare global {
  // React's flag telling `act` that it runs in a test environment.
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

const PLAN = {
  object: { kind: "QueryPlan", node: { kind: "Fetch", serviceName: "billing" } },
  text:
    'QueryPlan {\n  Fetch(service: "billing") {\n    {\n      invoices { number }\n    }\n  },\n}',
};

let container: HTMLDivElement;
let root: Root;

beforeAll(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
});

beforeEach(() => {
  container = document.createElement("div");
  document.body.appendChild(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

function show(plan: RecordedPlan): void {
  act(() => root.render(<QueryPlanPanel plan={plan} />));
}

function button(name: string): HTMLButtonElement {
  const found = [...container.querySelectorAll("button")].find((b) => b.textContent === name);
  if (!found) throw new Error(`no button ${name}`);
  return found;
}

function planText(): string | null {
  return container.querySelector('pre[data-testid="query-plan"]')?.textContent ?? null;
}

describe("QueryPlanPanel", () => {
  it("asks for a query before the first response", () => {
    show({ kind: "idle" });

    expect(container.querySelector("h2")?.textContent).toBe("Query plan");
    expect(planText()).toBe("Run a query to see its plan.");
  });

  it("says so when the response had no plan", () => {
    show({ kind: "none" });

    expect(planText()).toBe("No plan (the router did not send one)");
    expect(container.textContent).not.toContain("Run a query to see its plan.");
  });

  it("shows the text form, and the JSON form after a click on JSON", () => {
    show({ kind: "plan", plan: PLAN });

    expect(planText()).toBe(PLAN.text);
    expect(button("Text").getAttribute("aria-pressed")).toBe("true");
    expect(button("JSON").getAttribute("aria-pressed")).toBe("false");

    act(() => button("JSON").click());
    expect(planText()).toBe(JSON.stringify(PLAN.object, null, 2));
    expect(button("JSON").getAttribute("aria-pressed")).toBe("true");
    expect(button("Text").getAttribute("aria-pressed")).toBe("false");

    act(() => button("Text").click());
    expect(planText()).toBe(PLAN.text);
  });

  it("keeps the chosen form when a new plan arrives", () => {
    show({ kind: "idle" });
    act(() => button("JSON").click());

    const next = { object: { kind: "QueryPlan", node: null }, text: "QueryPlan {\n}" };
    show({ kind: "plan", plan: next });

    expect(planText()).toBe(JSON.stringify(next.object, null, 2));
  });

  it("labels the panel with its heading", () => {
    show({ kind: "idle" });

    const aside = container.querySelector("aside");
    const heading = container.querySelector("h2");
    expect(aside?.getAttribute("aria-labelledby")).toBe(heading?.id);
  });
});
