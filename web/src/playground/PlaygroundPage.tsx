// The /playground screen of the SPA: the playground against the configured router, at full
// height below the app header, sending the session's token. GraphiQL is big, so it is loaded
// (as its own chunk) on demand.
import { lazy, Suspense, useMemo } from "react";
import { sessionHeaderSource, useAuthStore } from "../auth";
import { Loading } from "../components/QueryState";
import { useConfig } from "../config";
import "./PlaygroundPage.css";

const Playground = lazy(async () => ({ default: (await import("./Playground")).Playground }));

/**
 * The playground screen: a title line with the endpoint, then the playground; its requests
 * carry `Authorization: Bearer` with the session's access token.
 */
export function PlaygroundPage() {
  const { routerUrl } = useConfig();
  const store = useAuthStore();
  const headerSource = useMemo(() => sessionHeaderSource(store), [store]);
  return (
    <section className="playground-page">
      <div className="playground-page-title">
        <h1>Playground</h1>
        <span className="secondary">
          Requests go to <code>{routerUrl}</code> with your session&apos;s token
        </span>
      </div>
      <Suspense fallback={<Loading what="Loading the playground" />}>
        <Playground endpoint={routerUrl} headerSource={headerSource} />
      </Suspense>
    </section>
  );
}
