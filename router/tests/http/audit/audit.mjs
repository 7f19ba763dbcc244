// Runs graphql-http's server audits (GraphQL-over-HTTP spec conformance) against a URL and
// prints the results as JSON: [{id, name, status, reason?, statusCode?}, ...] in audit order.
//
// Usage: node audit.mjs URL [--header NAME:VALUE]...
// Every --header is added to every request the audits send (e.g. a CSRF-prevention header).
import { serverAudits } from 'graphql-http';

const [url, ...rest] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs URL [--header NAME:VALUE]...');
  process.exit(2);
}
const extra = {};
for (let i = 0; i < rest.length; i += 1) {
  if (rest[i] !== '--header' || i + 1 >= rest.length) {
    console.error(`unexpected argument: ${rest[i]}`);
    process.exit(2);
  }
  const [name, ...value] = rest[i + 1].split(':');
  extra[name.trim()] = value.join(':').trim();
  i += 1;
}

function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return fetch(input, { ...init, headers });
}

const results = [];
for (const { id, name, fn } of serverAudits({ url, fetchFn })) {
  const result = await fn();
  const entry = { id, name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    entry.statusCode = result.response?.status ?? null;
  }
  results.push(entry);
}
console.log(JSON.stringify(results, null, 2));
