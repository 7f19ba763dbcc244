// Entry point of the SPA: read /config.json, start the session (restoring a reloaded tab's
// from its refresh token), then render the app with the session's urql client.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App";
import { AuthProvider, AuthStore, SessionClientProvider, createAuthTransport } from "./auth";
import { ConfigContext, loadConfig } from "./config";
import "./styles.css";

function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const config = await loadConfig();
  const store = new AuthStore({
    transport: createAuthTransport(config.routerUrl),
    storage: sessionStorageOrNull(),
  });
  void store.restore();
  const root = document.getElementById("root");
  if (!root) throw new Error("index.html has no #root element");
  createRoot(root).render(
    <StrictMode>
      <ConfigContext.Provider value={config}>
        <AuthProvider store={store}>
          <SessionClientProvider routerUrl={config.routerUrl}>
            <BrowserRouter>
              <App />
            </BrowserRouter>
          </SessionClientProvider>
        </AuthProvider>
      </ConfigContext.Provider>
    </StrictMode>,
  );
}

void main();
