// The /playground screen of the SPA: the playground against the configured router, at full
// height below the app header. GraphiQL is big, so it is loaded (as its own chunk) on demand.
import { lazy, Suspense } from "react";
import { Loading } from "../components/QueryState";
import { useConfig } from "../config";
import "./PlaygroundPage.css";

const Playground = lazy(async () => ({ default: (await import("./Playground")).Playground }));

/** The playground screen: a title line with the endpoint, then the playground. */
export function PlaygroundPage() {
  const { routerUrl } = useConfig();
  return (
    <section className="playground-page">
      <div className="playground-page-title">
        <h1>Playground</h1>
        <span className="secondary">
          Requests go to <code>{routerUrl}</code>
        </span>
      </div>
      <Suspense fallback={<Loading what="Loading the playground" />}>
        <Playground endpoint={routerUrl} />
      </Suspense>
    </section>
  );
}
