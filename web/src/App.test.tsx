// The shell with a session: route guard (login redirect, restoring), navigation by scope,
// who is signed in, and logging out.
import { MemoryRouter, useLocation } from "react-router-dom";
import { Provider } from "urql";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { AuthProvider, AuthStore, REFRESH_TOKEN_KEY, createAuthTransport } from "./auth";
import {
  ADMIN_SESSION,
  CLERK_SESSION,
  CUSTOMER_SESSION,
  button,
  byTestId,
  click,
  heading,
  mockClient,
  queryButton,
  queryLink,
  render,
  testStore,
  waitFor,
  type TestSession,
} from "./testing";

function Where() {
  const location = useLocation();
  return <p data-testid="where">{location.pathname + location.search}</p>;
}

async function renderApp(path: string, store: AuthStore) {
  const { client } = mockClient({});
  return render(
    <AuthProvider store={store}>
      <Provider value={client}>
        <MemoryRouter initialEntries={[path]}>
          <App />
          <Where />
        </MemoryRouter>
      </Provider>
    </AuthProvider>,
  );
}

async function signedIn(session: TestSession) {
  const made = testStore(session);
  await made.store.login(session.username ?? "", "password");
  return made;
}

function navLinks(): string[] {
  const nav = document.querySelector('nav[aria-label="Main"]');
  return nav ? [...nav.querySelectorAll("a")].map((item) => item.textContent ?? "") : [];
}

describe("route guard", () => {
  it("sends a signed-out visitor to /login, remembering the page asked for", async () => {
    await renderApp("/orders?status=PAID", testStore().store);
    expect(byTestId("where").textContent).toBe("/login?next=%2Forders%3Fstatus%3DPAID");
    expect(heading("Log in")).toBeTruthy();
    expect(navLinks()).toEqual([]);
    expect(queryButton("Log out")).toBeNull();
  });

  it("shows Loading, not the login page, while a reloaded tab's session is restored", async () => {
    const storage = new Map([[REFRESH_TOKEN_KEY, "stored"]]);
    const server = mockClient({}); // never answers the refresh
    const store = new AuthStore({
      transport: createAuthTransport("http://test.invalid/graphql", server.client),
      storage: {
        getItem: (key) => storage.get(key) ?? null,
        setItem: (key, value) => void storage.set(key, value),
        removeItem: (key) => void storage.delete(key),
      },
    });
    void store.restore();
    await renderApp("/invoices", store);
    expect(document.body.textContent).toContain("Restoring your session…");
    expect(byTestId("where").textContent).toBe("/invoices");
    expect(server.mutations).toEqual([
      { name: "AuthRefresh", variables: { refreshToken: "stored" } },
    ]);
    store.dispose();
  });

  it("shows the page to a signed-in person", async () => {
    const { store } = await signedIn(CLERK_SESSION);
    await renderApp("/invoices", store);
    expect(heading("Invoices")).toBeTruthy();
  });

  it("says which permission a page needs instead of loading it", async () => {
    const { store } = await signedIn(CUSTOMER_SESSION);
    await renderApp("/customers", store);
    expect(heading("Not allowed")).toBeTruthy();
    expect(document.body.textContent).toContain("customers:read");
  });
});

describe("header", () => {
  it("shows an admin every screen, who is signed in and Log out", async () => {
    const { store } = await signedIn(ADMIN_SESSION);
    await renderApp("/invoices", store);
    expect(navLinks()).toEqual(["Customers", "Products", "Invoices", "Orders", "Playground"]);
    expect(byTestId("session-user").textContent).toBe("admin (admin)");
    expect(button("Log out")).toBeTruthy();
  });

  it("shows a customer their invoices, orders and the products only", async () => {
    const { store } = await signedIn(CUSTOMER_SESSION);
    await renderApp("/invoices", store);
    expect(navLinks()).toEqual(["Products", "Invoices", "Orders"]);
    expect(queryLink("Customers")).toBeNull();
    expect(byTestId("session-user").textContent).toBe("ada (customer)");
  });

  it("logs out: back to /login, the refresh token revoked", async () => {
    const { store, server } = await signedIn(CLERK_SESSION);
    await renderApp("/orders", store);
    await click(button("Log out"));
    await waitFor(() => expect(byTestId("where").textContent).toBe("/login"));
    expect(heading("Log in")).toBeTruthy();
    expect(navLinks()).toEqual([]);
    const logout = server.mutations.find((item) => item.name === "AuthLogout");
    expect(logout?.variables.refreshToken).toMatch(/^refresh-/);
    expect(store.getState().status).toBe("signedOut");
    expect(document.body.textContent).toContain("You are logged out.");
  });
});
