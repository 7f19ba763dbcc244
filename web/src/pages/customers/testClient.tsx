// Test helpers (used by the customers and products tests only): a urql client answering
// operations by name with canned data, and a screen rendered at a route with react-dom and
// `act` directly (the app does not depend on @testing-library), with lookups by label, role-like names and text.
import { getOperationAST, type DocumentNode } from "graphql";
import { act, type ReactElement } from "react";
import { createRoot, type Root } from "react-dom/client";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { CombinedError, Provider, type Client, type OperationResult } from "urql";
import { fromValue, never, type Source } from "wonka";

/** What a canned operation answers: data, or GraphQL errors `{message, extensions}`. */
export type MockAnswer =
  | { data: unknown }
  | { errors: { message: string; extensions?: Record<string, unknown> }[]; data?: unknown };

/** Answers by operation name; an operation without an answer stays pending. */
export type MockAnswers = Record<string, (variables: Record<string, unknown>) => MockAnswer>;

/** One operation the screen sent: its name and variables. */
export interface SentOperation {
  name: string;
  variables: Record<string, unknown>;
}

/** The mock client and what was sent through it, queries and mutations apart. */
export interface MockClient {
  client: Client;
  queries: SentOperation[];
  mutations: SentOperation[];
}

interface RequestLike {
  query: DocumentNode;
  variables?: Record<string, unknown>;
}

/** A client whose `executeQuery`/`executeMutation` answer from `answers`, recording each call. */
export function mockClient(answers: MockAnswers): MockClient {
  const queries: SentOperation[] = [];
  const mutations: SentOperation[] = [];
  const answer =
    (sent: SentOperation[]) =>
    (request: RequestLike): Source<OperationResult> => {
      const name = getOperationAST(request.query)?.name?.value ?? "";
      const variables = request.variables ?? {};
      sent.push({ name, variables });
      const handler = answers[name];
      if (!handler) return never;
      const reply = handler(variables);
      const error =
        "errors" in reply ? new CombinedError({ graphQLErrors: reply.errors }) : undefined;
      return fromValue({
        operation: request,
        data: reply.data ?? null,
        error,
        stale: false,
        hasNext: false,
      } as unknown as OperationResult);
    };
  const client = {
    executeQuery: answer(queries),
    executeMutation: answer(mutations),
    executeSubscription: () => never,
    suspense: false,
  } as unknown as Client;
  return { client, queries, mutations };
}

declare global {
  // React's flag telling `act` that it runs in a test environment.
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

/** Shows the current path, for tests that follow a navigation. */
function WhereAmI() {
  const location = useLocation();
  return <p data-testid="location">{location.pathname + location.search}</p>;
}

const mounted: Root[] = [];

/** Unmounts every screen `renderAt` mounted (call in `afterEach`). */
export function cleanup(): void {
  for (const root of mounted.splice(0)) act(() => root.unmount());
  document.body.innerHTML = "";
}

/**
 * Renders `element` at `path` (matched by `route`, e.g. "/customers/:id") inside the client's
 * Provider and a MemoryRouter; any other path shows a `location` test id with the path.
 * Returns the container.
 */
export function renderAt(
  client: Client,
  element: ReactElement,
  route: string,
  path: string = route,
): HTMLElement {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  mounted.push(root);
  act(() =>
    root.render(
      <Provider value={client}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path={route} element={element} />
            <Route path="*" element={<WhereAmI />} />
          </Routes>
        </MemoryRouter>
      </Provider>,
    ),
  );
  return container;
}

type Control = HTMLInputElement | HTMLTextAreaElement;

/** The control whose <label> reads exactly `text` (inside `within`, default the document). */
export function byLabel(text: string, within: ParentNode = document): Control {
  const label = Array.from(within.querySelectorAll("label")).find(
    (item) => item.textContent?.trim() === text,
  );
  const control = label ? document.getElementById(label.htmlFor) : null;
  if (!(control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement)) {
    throw new Error(`no control labelled "${text}"`);
  }
  return control;
}

function byName<T extends Element>(selector: string, name: string, within: ParentNode): T {
  const found = Array.from(within.querySelectorAll<T>(selector)).filter(
    (item) => item.textContent?.trim() === name,
  );
  if (found.length !== 1) throw new Error(`${found.length} ${selector} named "${name}"`);
  return found[0] as T;
}

/** The one button whose text is `name`. */
export function button(name: string, within: ParentNode = document): HTMLButtonElement {
  return byName<HTMLButtonElement>("button", name, within);
}

/** The one link whose text is `name`. */
export function link(name: string, within: ParentNode = document): HTMLAnchorElement {
  return byName<HTMLAnchorElement>("a", name, within);
}

/** The one heading (h1-h3) whose text is `name`. */
export function heading(name: string, within: ParentNode = document): HTMLHeadingElement {
  return byName<HTMLHeadingElement>("h1, h2, h3", name, within);
}

/** The section holding the <h2> `name` (e.g. the Edit section). */
export function section(name: string): HTMLElement {
  const found = heading(name).closest("section");
  if (!found) throw new Error(`no section around "${name}"`);
  return found;
}

/** The innermost element whose whole text is `text`, or null. */
export function queryText(text: string, within: ParentNode = document): HTMLElement | null {
  const all = Array.from(within.querySelectorAll<HTMLElement>("*"));
  const leaf = (item: HTMLElement) => item.children.length === 0;
  return all.find((item) => leaf(item) && item.textContent?.trim() === text) ?? null;
}

/** The element with `data-testid` = `id`, or null. */
export function queryTestId(id: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
}

/** Types `value` into `control` as a person would (React sees an input event). */
export function fill(control: Control, value: string): void {
  const prototype =
    control instanceof HTMLTextAreaElement
      ? HTMLTextAreaElement.prototype
      : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(prototype, "value")?.set;
  act(() => {
    setter?.call(control, value);
    control.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

/** Ticks or unticks a checkbox. */
export function check(control: HTMLInputElement, checked: boolean): void {
  if (control.checked !== checked) act(() => control.click());
}

/** Clicks `element` and lets the promises it started (a mutation) settle. */
export async function click(element: HTMLElement): Promise<void> {
  await act(async () => {
    element.click();
    await Promise.resolve();
  });
}

/** Retries `assertion` until it passes or `timeoutMs` elapses (timers and promises run). */
export async function waitFor(assertion: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await act(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
    }
  }
}
