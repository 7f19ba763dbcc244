// The web app's persisted query manifest (Apollo's format), built from the typed documents of
// GraphQL Code Generator. Each body is the exact query string urql sends on the wire:
// urql's cacheExchange adds `__typename` to every selection set (`formatDocument`) and the
// fetchExchange prints the document with `stringifyDocument`, so the manifest does the same.
// Pure (no Node APIs): the build script writes it to a file, the unit test compares it with
// what a real urql client sends.
import type { DocumentNode, OperationDefinitionNode } from "graphql";
import { formatDocument, stringifyDocument } from "urql";

/** The kind of operation, as Apollo's manifest spells it. */
export type ManifestOperationType = "query" | "mutation" | "subscription";

/** One trusted operation: `id` is the lowercase hex SHA-256 of `body` (UTF-8). */
export interface ManifestOperation {
  id: string;
  name: string;
  type: ManifestOperationType;
  body: string;
}

/** Apollo's persisted query manifest, version 1. */
export interface PersistedQueryManifest {
  format: "apollo-persisted-query-manifest";
  version: 1;
  operations: ManifestOperation[];
}

/** A named operation document: one operation, plus the fragments it spreads. */
export interface OperationDocument {
  name: string;
  type: ManifestOperationType;
  document: DocumentNode;
}

function isDocument(value: unknown): value is DocumentNode {
  return (
    typeof value === "object" &&
    value !== null &&
    "kind" in value &&
    value.kind === "Document" &&
    "definitions" in value &&
    Array.isArray(value.definitions)
  );
}

function operationOf(document: DocumentNode): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === "OperationDefinition",
  );
  if (operations.length > 1) {
    throw new Error("a document holds more than one operation");
  }
  return operations[0];
}

/**
 * The operation documents among a module's exports (e.g. `import * as generated from
 * "src/graphql/generated"`): every exported document holding an operation; fragment
 * documents are skipped. Sorted by operation name.
 *
 * Throws when an operation has no name or two documents share a name (the manifest and the
 * router's safelist key operations by name).
 */
export function operationDocuments(exports: Record<string, unknown>): OperationDocument[] {
  const byName = new Map<string, OperationDocument>();
  for (const [exportName, value] of Object.entries(exports)) {
    if (!isDocument(value)) continue;
    const operation = operationOf(value);
    if (operation === undefined) continue;
    const name = operation.name?.value;
    if (name === undefined) {
      throw new Error(`${exportName}: anonymous operation (every operation needs a name)`);
    }
    if (byName.has(name)) {
      throw new Error(`${exportName}: two operations are named ${name}`);
    }
    byName.set(name, { name, type: operation.operation, document: value });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The query string urql sends for `document`: `__typename` added by the cacheExchange's
 * `formatDocument`, printed by the fetchExchange's `stringifyDocument`.
 */
export function wireBody(document: DocumentNode): string {
  return stringifyDocument(formatDocument(document));
}

/** Lowercase hex SHA-256 of `text` encoded as UTF-8 (Web Crypto: browsers, Node >= 20). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
}

/** The manifest of `operations`, in their order, with the bodies urql sends. */
export async function buildManifest(
  operations: readonly OperationDocument[],
): Promise<PersistedQueryManifest> {
  const entries = await Promise.all(
    operations.map(async ({ name, type, document }): Promise<ManifestOperation> => {
      const body = wireBody(document);
      return { id: await sha256Hex(body), name, type, body };
    }),
  );
  return { format: "apollo-persisted-query-manifest", version: 1, operations: entries };
}
