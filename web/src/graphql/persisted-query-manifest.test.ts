// @vitest-environment node
// The persisted query manifest (web/scripts/manifest.ts) lists, for every operation of the app,
// exactly the query string the app's urql client puts in the request body: otherwise the
// router's safelist would refuse the app's own operations.
import { afterEach, describe, expect, it, vi } from "vitest";

import {
  buildManifest,
  operationDocuments,
  sha256Hex,
  type OperationDocument,
} from "../../scripts/manifest";
import { createClient } from "../client";
import * as generated from "./generated";

interface SentBody {
  query?: unknown;
  operationName?: unknown;
}

/** Runs `operation` through the app's real urql client; returns the JSON body it POSTed. */
async function sentBody(operation: OperationDocument): Promise<SentBody> {
  const bodies: SentBody[] = [];
  vi.stubGlobal("fetch", (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (typeof init?.body !== "string") throw new Error("expected a JSON request body");
    bodies.push(JSON.parse(init.body) as SentBody);
    return Promise.resolve(
      new Response(JSON.stringify({ data: null }), {
        headers: { "content-type": "application/json" },
      }),
    );
  });
  const client = createClient("http://router.test/graphql");
  const result =
    operation.type === "mutation"
      ? await client.mutation(operation.document, {}).toPromise()
      : await client.query(operation.document, {}).toPromise();
  expect(result.error).toBeUndefined();
  expect(bodies).toHaveLength(1);
  const [body] = bodies;
  if (body === undefined) throw new Error("no request sent");
  return body;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const operations = operationDocuments(generated);

describe("persisted query manifest", () => {
  it("lists every operation document of the app, fragments excluded", async () => {
    const manifest = await buildManifest(operations);
    expect(manifest.format).toBe("apollo-persisted-query-manifest");
    expect(manifest.version).toBe(1);
    const names = manifest.operations.map((operation) => operation.name);
    const exported = Object.keys(generated)
      .filter((name) => name.endsWith("Document"))
      .map((name) => name.slice(0, -"Document".length));
    expect(new Set(names)).toEqual(new Set(exported));
    expect(names).toEqual([...names].sort());
    expect(names).toContain("CustomerList");
    expect(names).not.toContain("MoneyFields");
  });

  it("identifies each body by its SHA-256 in lowercase hex", async () => {
    expect(await sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const manifest = await buildManifest(operations);
    for (const operation of manifest.operations) {
      expect(operation.id).toBe(await sha256Hex(operation.body));
    }
    expect(new Set(manifest.operations.map((operation) => operation.id)).size).toBe(
      manifest.operations.length,
    );
  });

  it.each(operations.map((operation) => [operation.name, operation] as const))(
    "%s: the manifest body is what the urql client sends",
    async (name, operation) => {
      const manifest = await buildManifest([operation]);
      const [entry] = manifest.operations;
      const body = await sentBody(operation);
      expect(body.operationName).toBe(name);
      expect(body.query).toBe(entry?.body);
      expect(entry?.type).toBe(operation.type);
    },
  );

  it("carries the __typename fields urql's document cache adds", async () => {
    const manifest = await buildManifest(operations);
    const customerList = manifest.operations.find(
      (operation) => operation.name === "CustomerList",
    );
    expect(customerList?.body).toMatch(/nodes \{[^}]*__typename/);
  });
});
