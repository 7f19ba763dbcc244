// Entry point of graphiql.html, the page the router serves to browsers on GET /graphql: the
// playground alone, sending its requests back to the URL it was served from.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { pageEndpoint } from "./endpoint";
import { Playground } from "./Playground";
import "./standalone.css";

const root = document.getElementById("root");
if (!root) throw new Error("graphiql.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <div className="standalone">
      <header className="standalone-header">
        <h1>Trellis router — playground</h1>
      </header>
      <Playground endpoint={pageEndpoint(window.location)} />
    </div>
  </StrictMode>,
);
