// @vitest-environment node
import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { DEFAULT_QUERY } from "./defaultQuery";
import { pageEndpoint } from "./endpoint";

describe("DEFAULT_QUERY", () => {
  it("is valid against the API schema", () => {
    const path = new URL("../../../schema/api-schema.graphql", import.meta.url);
    const errors = validate(buildSchema(readFileSync(path, "utf8")), parse(DEFAULT_QUERY));

    expect(errors.map((error) => error.message)).toEqual([]);
  });

  it("crosses subgraphs: invoices with customer names and product names", () => {
    expect(DEFAULT_QUERY).toMatch(/invoices\(first: 5\)/);
    expect(DEFAULT_QUERY).toMatch(/customer \{\s+name/);
    expect(DEFAULT_QUERY).toMatch(/product \{\s+name/);
  });
});

describe("pageEndpoint", () => {
  it("is the page's URL without query string", () => {
    expect(pageEndpoint({ origin: "http://127.0.0.1:4000", pathname: "/graphql" })).toBe(
      "http://127.0.0.1:4000/graphql",
    );
  });
});
