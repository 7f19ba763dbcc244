// The component tests' kit: a urql client answering by operation name (client.ts), sessions
// (auth.ts), and rendering, finding and events on react-dom's `act` (render.tsx).
export * from "./auth";
export * from "./client";
export * from "./render";
