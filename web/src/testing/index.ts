// The component tests' kit: a urql client answering by operation name (client.ts), and
// rendering, finding and events on react-dom's `act` (render.tsx).
export * from "./client";
export * from "./render";
