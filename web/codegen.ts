// GraphQL Code Generator: validates every operation in src/**/*.graphql against the router's
// API schema (schema/api-schema.graphql, committed and checked by `make schema-check`) and
// writes their TypeScript types and typed documents. An operation the schema rejects fails
// the build.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema/api-schema.graphql",
  documents: ["src/**/*.graphql"],
  errorsOnly: false,
  emitLegacyCommonJSImports: false,
  generates: {
    "src/graphql/generated.ts": {
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
