// Rendering and driving a screen in component tests, on react-dom and its `act` directly (the
// app does not depend on @testing-library): render (alone, or at a route with a client), find
// elements by label, name, text and test id, and fire a person's events. Screens rendered at a
// route get a session (an admin with every scope unless the test names another). After each
// test, every screen rendered is unmounted and every spy (e.g. on `window.confirm`) restored.
import { act, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { Provider } from "urql";
import { afterEach, vi } from "vitest";
import { AuthProvider, type AuthStore } from "../auth";
import { ADMIN_SESSION, signedInStore, testStore, type TestSession } from "./auth";
import { mockClient, type MockAnswers, type MockClient } from "./client";

declare global {
  // React's flag telling `act` that it runs in a test environment.
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

/** A screen rendered into `document.body`. */
export interface Rendered {
  container: HTMLElement;
  /** Renders `ui` in place of what is there (state of the same components is kept). */
  rerender: (ui: ReactNode) => Promise<void>;
  /** Unmounts the screen now (otherwise `cleanup` does after the test). */
  unmount: () => void;
}

const mounted = new Set<() => void>();

/** Unmounts every screen rendered and not yet unmounted; runs after each test. */
export function cleanup(): void {
  for (const unmount of [...mounted]) unmount();
}

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** Renders `ui` into a fresh element of `document.body`, effects and answers flushed. */
export async function render(ui: ReactNode): Promise<Rendered> {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  const unmount = () => {
    if (!mounted.delete(unmount)) return;
    act(() => root.unmount());
    container.remove();
  };
  mounted.add(unmount);
  const rerender = async (next: ReactNode) => {
    await act(async () => root.render(next));
  };
  await rerender(ui);
  return { container, rerender, unmount };
}

/** Shows the current path, for tests that follow a navigation (test id `location`). */
function WhereAmI() {
  const location = useLocation();
  return <p data-testid="location">{location.pathname + location.search}</p>;
}

/** Where `renderAt` renders a screen, and what its API answers. */
export interface ScreenOptions {
  /** The URL the screen opens at (default: `route` itself). */
  path?: string;
  /** The mock client's answers by operation name. */
  answers?: MockAnswers;
  /** Who is signed in (default: an admin with every scope); null: nobody. */
  session?: TestSession | null;
  /** The session store to use instead of one made for `session`. */
  store?: AuthStore;
}

/** What `renderAt` returns: the screen, the mock client, and the session store. */
export type RenderedScreen = Rendered & MockClient & { store: AuthStore };

/**
 * Renders `element` at `path` (matched by `route`, e.g. "/customers/:id") in a MemoryRouter,
 * against a mock client answering `answers`, signed in as `session`; any other path (after a
 * navigation) shows the test id `location` with the path and query string. Returns the
 * screen, the client with the operations it received, and the session store.
 */
export async function renderAt(
  element: ReactNode,
  route: string,
  { path = route, answers = {}, session = ADMIN_SESSION, store: given }: ScreenOptions = {},
): Promise<RenderedScreen> {
  const mock = mockClient(answers);
  const store =
    given ?? (session === null ? testStore().store : await signedInStore(session));
  const rendered = await render(
    <AuthProvider store={store}>
      <Provider value={mock.client}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path={route} element={element} />
            <Route path="*" element={<WhereAmI />} />
          </Routes>
        </MemoryRouter>
      </Provider>
    </AuthProvider>,
  );
  return { ...rendered, ...mock, store };
}

// --- finding elements ---------------------------------------------------------------------

/** A control a <label> can name. */
export type FormControl = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/**
 * The controls whose <label> reads exactly `text` (inside `within`), in document order; `T`
 * (an <input> unless the call's context says otherwise) is not checked.
 */
export function allByLabel<T extends HTMLElement = HTMLInputElement>(
  text: string,
  within: ParentNode = document,
): T[] {
  const controls: T[] = [];
  for (const label of within.querySelectorAll("label")) {
    if (label.textContent?.trim() !== text) continue;
    const control = label.htmlFor ? document.getElementById(label.htmlFor) : null;
    if (control) controls.push(control as T);
  }
  return controls;
}

/** The first control whose <label> reads exactly `text`; throws when there is none. */
export function byLabel<T extends HTMLElement = HTMLInputElement>(
  text: string,
  within: ParentNode = document,
): T {
  const control = allByLabel<T>(text, within)[0];
  if (!control) throw new Error(`no control labelled "${text}"`);
  return control;
}

function allByName<T extends Element>(selector: string, name: string, within: ParentNode): T[] {
  return Array.from(within.querySelectorAll<T>(selector)).filter(
    (item) => item.textContent?.trim() === name,
  );
}

function oneByName<T extends Element>(selector: string, name: string, within: ParentNode): T {
  const found = allByName<T>(selector, name, within);
  if (found.length !== 1) throw new Error(`${found.length} ${selector} named "${name}"`);
  return found[0] as T;
}

/** The one button whose text is `name`; throws when there is none or more. */
export function button(name: string, within: ParentNode = document): HTMLButtonElement {
  return oneByName<HTMLButtonElement>("button", name, within);
}

/** The first button whose text is `name`, or null. */
export function queryButton(name: string, within: ParentNode = document): HTMLButtonElement | null {
  return allByName<HTMLButtonElement>("button", name, within)[0] ?? null;
}

/** The one link whose text is `name`; throws when there is none or more. */
export function link(name: string, within: ParentNode = document): HTMLAnchorElement {
  return oneByName<HTMLAnchorElement>("a", name, within);
}

/** The first link whose text is `name`, or null. */
export function queryLink(name: string, within: ParentNode = document): HTMLAnchorElement | null {
  return allByName<HTMLAnchorElement>("a", name, within)[0] ?? null;
}

/** The one heading (h1-h3) whose text is `name`. */
export function heading(name: string, within: ParentNode = document): HTMLHeadingElement {
  return oneByName<HTMLHeadingElement>("h1, h2, h3", name, within);
}

/** The section holding the heading `name` (e.g. the Edit section). */
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
export function queryTestId(id: string, within: ParentNode = document): HTMLElement | null {
  return within.querySelector<HTMLElement>(`[data-testid="${id}"]`);
}

/** The element with `data-testid` = `id`; throws when there is none. */
export function byTestId(id: string, within: ParentNode = document): HTMLElement {
  const element = queryTestId(id, within);
  if (!element) throw new Error(`no element with data-testid "${id}"`);
  return element;
}

/** The text of the first `role="alert"` element (errors in words), "" when there is none. */
export function alertText(within: ParentNode = document): string {
  return within.querySelector('[role="alert"]')?.textContent ?? "";
}

/** The texts of the `.field-error` messages shown, in document order. */
export function fieldErrors(within: ParentNode = document): string[] {
  return [...within.querySelectorAll(".field-error")].map((item) => item.textContent ?? "");
}

// --- a person's events --------------------------------------------------------------------

/** Sets `control`'s value as typing or choosing would, and lets React and the client settle. */
async function setValue(control: FormControl, value: string, event: string): Promise<void> {
  const prototype = Object.getPrototypeOf(control) as object;
  const setter = Object.getOwnPropertyDescriptor(prototype, "value")?.set;
  await act(async () => {
    setter?.call(control, value);
    control.dispatchEvent(new Event(event, { bubbles: true }));
  });
}

/** Types `value` into an input or textarea (React sees an input event). */
export function fill(
  control: HTMLInputElement | HTMLTextAreaElement,
  value: string,
): Promise<void> {
  return setValue(control, value, "input");
}

/** Chooses the option of `select` whose value is `value` (React sees a change event). */
export function choose(select: HTMLSelectElement, value: string): Promise<void> {
  return setValue(select, value, "change");
}

/** Ticks or unticks a checkbox. */
export async function check(checkbox: HTMLInputElement, checked: boolean): Promise<void> {
  if (checkbox.checked !== checked) await click(checkbox);
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
