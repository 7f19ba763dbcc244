import { describe, expect, it } from "vitest";
import { AuthStore, createAuthTransport } from "../../auth";
import {
  alertText,
  button,
  byLabel,
  byTestId,
  click,
  fieldErrors,
  fill,
  mockClient,
  renderAt,
  waitFor,
  type MockAnswers,
} from "../../testing";
import { LoginPage } from "./LoginPage";
import { WRONG_CREDENTIALS } from "./login";

function storeAnswering(answers: MockAnswers) {
  const server = mockClient(answers);
  const store = new AuthStore({
    transport: createAuthTransport("http://test.invalid/graphql", server.client),
  });
  return { store, server };
}

function open(path = "/login", store?: AuthStore) {
  return renderAt(<LoginPage />, "/login", { path, session: null, store });
}

async function logIn(username: string, password: string) {
  await fill(byLabel("Username"), username);
  await fill(byLabel("Password"), password);
  await click(button("Log in"));
}

describe("LoginPage", () => {
  it("refuses empty fields before sending anything", async () => {
    const { store, server } = storeAnswering({});
    await open("/login", store);
    await click(button("Log in"));
    expect(fieldErrors()).toEqual(["Enter your username.", "Enter your password."]);
    expect(byLabel("Username").getAttribute("aria-invalid")).toBe("true");
    expect(byLabel("Password").getAttribute("aria-invalid")).toBe("true");
    expect(server.mutations).toEqual([]);
  });

  it("logs in and opens the page asked for", async () => {
    const screen = await open("/login?next=%2Forders%2F9");
    await logIn("  Clerk ", "trellis-clerk-demo");
    await waitFor(() => expect(byTestId("location").textContent).toBe("/orders/9"));
    expect(screen.store.session()?.username).toBe("admin");
  });

  it("sends the trimmed username and the password as typed", async () => {
    const { store, server } = storeAnswering({});
    await open("/login", store);
    await logIn("  Clerk ", " secret ");
    expect(server.mutations).toEqual([
      { name: "AuthLogin", variables: { username: "Clerk", password: " secret " } },
    ]);
    store.dispose();
  });

  it("opens the invoices when no page (or another site) was asked for", async () => {
    await open("/login?next=https%3A%2F%2Fevil.example%2F");
    await logIn("admin", "trellis-admin-demo");
    await waitFor(() => expect(byTestId("location").textContent).toBe("/invoices"));
  });

  it("says a refused login in words and clears the password", async () => {
    const { store } = storeAnswering({
      AuthLogin: () => ({
        errors: [
          { message: "Invalid username or password.", extensions: { code: "UNAUTHENTICATED" } },
        ],
      }),
    });
    await open("/login", store);
    await logIn("clerk", "wrong");
    await waitFor(() => expect(alertText()).toBe(WRONG_CREDENTIALS));
    expect(byLabel("Password").value).toBe("");
    expect(byLabel("Username").value).toBe("clerk");
    expect(store.getState().status).toBe("signedOut");
  });

  it("says an unexpected failure in words too", async () => {
    const { store } = storeAnswering({});
    store.login = () => Promise.reject(new Error("offline"));
    await open("/login", store);
    await logIn("clerk", "pw");
    await waitFor(() => expect(alertText()).toBe("The login failed. Try again."));
  });

  it("goes straight on when already signed in", async () => {
    await renderAt(<LoginPage />, "/login", { path: "/login?next=%2Fproducts" });
    expect(byTestId("location").textContent).toBe("/products");
  });
});
