// Entry point of the SPA: read /config.json, then render the app with its urql client.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { Provider } from "urql";
import { App } from "./App";
import { createClient } from "./client";
import { ConfigContext, loadConfig } from "./config";
import "./styles.css";

async function main(): Promise<void> {
  const config = await loadConfig();
  const client = createClient(config.routerUrl);
  const root = document.getElementById("root");
  if (!root) throw new Error("index.html has no #root element");
  createRoot(root).render(
    <StrictMode>
      <ConfigContext.Provider value={config}>
        <Provider value={client}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </Provider>
      </ConfigContext.Provider>
    </StrictMode>,
  );
}

void main();
