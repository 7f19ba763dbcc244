// GraphQL Code Generator: validates every operation in src/**/*.graphql against the router's
// API schema (schema/api-schema.graphql, committed and checked by `make schema-check`) and
// writes their TypeScript types and typed documents. An operation the schema rejects fails
// the build.
import type { CodegenConfig } from "@graphql-codegen/cli";

// Node's environment (codegen runs in Node; the app's tsconfig has no Node types).
declare const process: { env: Record<string, string | undefined> };

// Overrides for tests of the check itself (tests/test_web_build.py): other operation files
// (comma-separated globs) and another output file.
const documents = process.env.TRELLIS_WEB_CODEGEN_DOCUMENTS?.split(",") ?? ["src/**/*.graphql"];
const output = process.env.TRELLIS_WEB_CODEGEN_OUTPUT ?? "src/graphql/generated.ts";

const config: CodegenConfig = {
  schema: "../schema/api-schema.graphql",
  documents,
  errorsOnly: false,
  emitLegacyCommonJSImports: false,
  generates: {
    [output]: {
      plugins: ["typescript", "typescript-operations", "typed-document-node"],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { DateTime: "string", ID: "string" },
        nonOptionalTypename: false,
        skipTypename: false,
      },
    },
  },
};

export default config;
