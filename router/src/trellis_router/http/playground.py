"""A minimal page for browsers on ``GET /graphql`` (the playground proper is a later issue).

Everything is inline: no asset is loaded from a CDN.
"""

from __future__ import annotations

__all__ = ["PLAYGROUND_HTML"]

PLAYGROUND_HTML = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Trellis router</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}
textarea{width:100%;height:12rem;font-family:monospace}pre{background:#f4f4f4;padding:1rem}
</style></head>
<body>
<h1>Trellis router</h1>
<p>POST GraphQL requests to <code>/graphql</code>.</p>
<textarea id="q">{ __typename }</textarea>
<p><button id="run">Run</button></p>
<pre id="out"></pre>
<script>
document.getElementById("run").onclick = async () => {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {"content-type": "application/json",
              "accept": "application/graphql-response+json"},
    body: JSON.stringify({query: document.getElementById("q").value}),
  });
  document.getElementById("out").textContent =
    JSON.stringify(await response.json(), null, 2);
};
</script>
</body>
</html>
"""
