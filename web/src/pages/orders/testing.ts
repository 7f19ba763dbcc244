// Helpers for the invoice and order component tests. A urql client: a real `Client` with the
// app's document cache, whose last exchange answers each operation from a function of its name
// and variables instead of the network, and records the operations it saw. And a small
// renderer and event helpers on react-dom's `act` (the app does not depend on @testing-library).
import {
  Client,
  cacheExchange,
  getOperationName,
  makeResult,
  type Exchange,
  type RequestPolicy,
} from "urql";
import type { DocumentNode } from "graphql";
import { act, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { filter, fromValue, mergeMap, never, pipe } from "wonka";

/** What the fake server answers: data, GraphQL errors, or both. */
export interface MockAnswer {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One operation the client sent. */
export interface MockCall {
  name: string;
  kind: string;
  variables: Record<string, unknown>;
  requestPolicy: RequestPolicy;
}

/**
 * A client answering `answer(name, variables)`; an undefined answer never arrives (the screen
 * stays loading). `calls` lists every query and mutation that reached it (past the cache), oldest
 * first. Answers should carry `__typename`s, so mutations invalidate queries as in the app.
 */
export function mockClient(
  answer: (name: string, variables: Record<string, unknown>) => MockAnswer | undefined,
): { client: Client; calls: MockCall[] } {
  const calls: MockCall[] = [];
  const exchange: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((operation) => operation.kind !== "teardown"),
      mergeMap((operation) => {
        const name = getOperationName(operation.query as DocumentNode) ?? "";
        const variables = (operation.variables ?? {}) as Record<string, unknown>;
        calls.push({
          name,
          kind: operation.kind,
          variables,
          requestPolicy: operation.context.requestPolicy,
        });
        const response = answer(name, variables);
        if (!response) return never;
        return fromValue(
          makeResult(operation, {
            data: response.data ?? null,
            errors: response.errors,
          }),
        );
      }),
    );
  const client = new Client({
    url: "http://test.invalid/graphql",
    exchanges: [cacheExchange, exchange],
  });
  return { client, calls };
}

// --- rendering and driving a screen without @testing-library ----------

// Tell React that updates are wrapped in act(), as in a test renderer.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** A screen rendered into `document.body`. */
export interface Rendered {
  container: HTMLElement;
  unmount: () => void;
}

/** Renders `ui` into a fresh element of `document.body`, effects flushed. */
export async function renderUi(ui: ReactNode): Promise<Rendered> {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  await act(async () => root.render(ui));
  return {
    container,
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** The controls whose <label> text is exactly `text`, in document order. */
export function allByLabel<T extends HTMLElement>(text: string, root: ParentNode = document): T[] {
  const controls: T[] = [];
  for (const label of root.querySelectorAll("label")) {
    if (label.textContent?.trim() !== text) continue;
    const control = label.htmlFor ? document.getElementById(label.htmlFor) : null;
    if (control) controls.push(control as T);
  }
  return controls;
}

/** The control whose <label> text is exactly `text`; throws when there is none. */
export function byLabel<T extends HTMLElement>(text: string, root: ParentNode = document): T {
  const control = allByLabel<T>(text, root)[0];
  if (!control) throw new Error(`no control labelled "${text}"`);
  return control;
}

/** The button or link whose text is exactly `text`, or null. */
export function queryAction(text: string, root: ParentNode = document): HTMLElement | null {
  for (const element of root.querySelectorAll<HTMLElement>("button, a")) {
    if (element.textContent?.trim() === text) return element;
  }
  return null;
}

/** The button or link whose text is exactly `text`; throws when there is none. */
export function action(text: string, root: ParentNode = document): HTMLElement {
  const element = queryAction(text, root);
  if (!element) throw new Error(`no button or link "${text}"`);
  return element;
}

/** The element with `data-testid="id"`; throws when there is none. */
export function byTestId(id: string, root: ParentNode = document): HTMLElement {
  const element = root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (!element) throw new Error(`no element with data-testid "${id}"`);
  return element;
}

/** The texts of the `.field-error` messages shown, in document order. */
export function fieldErrors(root: ParentNode = document): string[] {
  return [...root.querySelectorAll(".field-error")].map((item) => item.textContent ?? "");
}

/** Types `value` into an input as a person would end up with it (React sees an input event). */
export async function typeInto(input: HTMLInputElement, value: string): Promise<void> {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
  await act(async () => {
    setter?.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

/** Chooses the option of `select` whose value is `value` (React sees a change event). */
export async function choose(select: HTMLSelectElement, value: string): Promise<void> {
  const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value")?.set;
  await act(async () => {
    setter?.call(select, value);
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

/** Clicks `element` and lets React and the client settle. */
export async function click(element: HTMLElement): Promise<void> {
  await act(async () => element.click());
}

/** Retries `check` until it stops throwing, letting timers and promises run; then rethrows. */
export async function waitFor(check: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await act(async () => new Promise((resolve) => setTimeout(resolve, 20)));
    }
  }
}
