// Build step (`npm run manifest`, run by `npm run build` after `vite build`): writes the web
// app's persisted query manifest, Apollo's format, to dist/persisted-query-manifest.json (or
// the path given as the first argument). The router's safelist mode
// (persisted_queries.manifest_path) runs only the operations it lists.
//
// Usage: npx vite-node scripts/persisted-query-manifest.ts [-- OUTPUT_FILE]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import * as generated from "../src/graphql/generated";
import { buildManifest, operationDocuments } from "./manifest";

const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Write the manifest to `output` (created with its folder); returns the operation count. */
async function writeManifest(output: string): Promise<number> {
  const manifest = await buildManifest(operationDocuments(generated));
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(manifest, null, 2)}\n`, "utf8");
  return manifest.operations.length;
}

// vite-node passes the script's own arguments after "--".
const argument = process.argv.slice(2).find((arg) => arg !== "--");
const output = argument
  ? resolve(process.cwd(), argument)
  : resolve(webRoot, "dist/persisted-query-manifest.json");
const count = await writeManifest(output);
console.log(`persisted query manifest: ${count} operations -> ${output}`);
