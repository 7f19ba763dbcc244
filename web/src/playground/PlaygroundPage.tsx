export function PlaygroundPage() {
  return <h1>Playground (to do)</h1>;
}
