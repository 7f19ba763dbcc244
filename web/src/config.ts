// Runtime configuration of the web app: where the router and the registry dashboard are.
// `trellis-web` serves it as /config.json (from its settings), so one build runs against any
// router; without that file (vite dev), the router is assumed on this host's port 4000.
import { createContext, useContext } from "react";

/** Where the app sends GraphQL requests and links the registry dashboard. */
export interface WebConfig {
  /** Absolute URL of the router's GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  routerUrl: string;
  /** Absolute URL of the registry dashboard, or null to hide the link. */
  registryUrl: string | null;
}

/** The defaults for a page served from `location` with no /config.json: router on port 4000. */
export function defaultConfig(location: Pick<Location, "protocol" | "hostname">): WebConfig {
  const host = `${location.protocol}//${location.hostname}`;
  return { routerUrl: `${host}:4000/graphql`, registryUrl: `${host}:8761/` };
}

/**
 * Reads /config.json; falls back to `defaultConfig` when it is missing or not JSON.
 * Unknown keys are ignored; a key of the wrong type keeps its default.
 */
export async function loadConfig(
  fetchFn: typeof fetch = fetch,
  location: Pick<Location, "protocol" | "hostname"> = window.location,
): Promise<WebConfig> {
  const fallback = defaultConfig(location);
  try {
    const response = await fetchFn("/config.json", { headers: { accept: "application/json" } });
    if (!response.ok) return fallback;
    const data: unknown = await response.json();
    if (typeof data !== "object" || data === null) return fallback;
    const record = data as Record<string, unknown>;
    return {
      routerUrl: typeof record.routerUrl === "string" ? record.routerUrl : fallback.routerUrl,
      registryUrl:
        typeof record.registryUrl === "string" || record.registryUrl === null
          ? (record.registryUrl as string | null)
          : fallback.registryUrl,
    };
  } catch {
    return fallback;
  }
}

export const ConfigContext = createContext<WebConfig>({
  routerUrl: "/graphql",
  registryUrl: null,
});

/** The app's runtime configuration (inside `ConfigContext.Provider`). */
export function useConfig(): WebConfig {
  return useContext(ConfigContext);
}
