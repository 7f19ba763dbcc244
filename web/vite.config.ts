/// <reference types="vitest/config" />
// Vite builds two pages into dist/: index.html (the SPA, playground at /playground) and
// graphiql.html (the same playground alone, served by the router on GET /graphql for
// browsers). Every asset is bundled: nothing is loaded from a CDN.
import { defineConfig } from "vite";

export default defineConfig({
  // JSX without @vitejs/plugin-react: esbuild's automatic runtime (no fast refresh needed).
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      input: { main: "index.html", graphiql: "graphiql.html" },
      // React Server Components' "use client" markers mean nothing in a browser bundle.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: { port: 3000, strictPort: true },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
