// Test-only oracle: Apollo's composition, query planner and gateway (Elastic License 2.0, used
// as a tool, never shipped). Reads one JSON command on stdin, writes one JSON answer on stdout.
//   {"command": "compose", "subgraphs": [{"name", "url", "sdl"}]}
//     -> {"supergraphSdl", "hints": [{"code", "message"}]} or {"errors": [{"code", "message"}]}
//   {"command": "compose", "subgraphs": [...], "repeat": N}   (benchmark: -> {"medianMs"})
//   {"command": "compose-each", "inputs": [[{"name", "url", "sdl"}], ...]}
//     -> {"answers": [compose's answer, or {"crashed"}]}
//   {"command": "run", "supergraphSdl", "urls": {name: url}, "cases": [{query, variables?, operationName?}]}
//     -> {"results": [{"response", "plan", "fetches"}]}
import { createHash } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { prettyFormatQueryPlan } from '@apollo/query-planner';
import { getOperationAST, parse, validate } from 'graphql';

const quiet = { debug() {}, info() {}, warn() {}, error: (m) => process.stderr.write(`${m}\n`) };

function compose({ subgraphs, repeat }) {
  const services = () =>
    subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) }));
  let result = composeServices(services());
  if (repeat) {
    // Benchmark mode: median wall time of `repeat` compositions, parsing included.
    const samples = [];
    for (let i = 0; i < repeat; i += 1) {
      const start = process.hrtime.bigint();
      result = composeServices(services());
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    samples.sort((a, b) => a - b);
    if (!result.errors) return { medianMs: samples[Math.floor(samples.length / 2)] };
  }
  if (result.errors) {
    return {
      errors: result.errors.map((e) => ({ code: e.extensions?.code ?? null, message: e.message })),
    };
  }
  const hints = (result.hints ?? []).map((h) => ({ code: h.definition.code, message: h.message }));
  return { supergraphSdl: result.supergraphSdl, hints };
}

function countFetches(node) {
  if (!node) return 0;
  switch (node.kind) {
    case 'Fetch':
      return 1;
    case 'Flatten':
      return countFetches(node.node);
    case 'Sequence':
    case 'Parallel':
      return node.nodes.reduce((sum, child) => sum + countFetches(child), 0);
    case 'Condition':
      return countFetches(node.ifClause) + countFetches(node.elseClause);
    case 'Defer':
      return (
        countFetches(node.primary?.node) +
        node.deferred.reduce((sum, d) => sum + countFetches(d.node), 0)
      );
    case 'Subscription':
      return countFetches(node.primary) + countFetches(node.rest);
    default:
      throw new Error(`unknown plan node kind ${node.kind}`);
  }
}

async function run({ supergraphSdl, urls, cases }) {
  let lastPlan = null;
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: quiet,
    buildService: ({ name }) => new RemoteGraphQLDataSource({ url: urls[name] }),
    experimental_didResolveQueryPlan: ({ queryPlan }) => {
      lastPlan = queryPlan;
    },
  });
  const { schema, executor } = await gateway.load();
  const results = [];
  for (const c of cases) {
    lastPlan = null;
    let response;
    let document;
    try {
      document = parse(c.query);
    } catch (e) {
      response = { errors: [e.toJSON()] };
    }
    if (document) {
      const errors = validate(schema, document);
      if (errors.length > 0) {
        response = { errors: errors.map((e) => e.toJSON()) };
      } else {
        const operation = getOperationAST(document, c.operationName ?? undefined);
        const requestContext = {
          request: { query: c.query, variables: c.variables ?? {}, operationName: c.operationName },
          document,
          operation,
          operationName: operation?.name?.value ?? null,
          queryHash: createHash('sha256').update(c.query).digest('hex'),
          schema,
          context: {},
          contextValue: {},
          logger: quiet,
          metrics: {},
          cache: undefined,
          overallCachePolicy: {},
        };
        const result = await executor(requestContext);
        response = {};
        if (result.data !== undefined) response.data = result.data;
        if (result.errors) response.errors = result.errors.map((e) => (e.toJSON ? e.toJSON() : e));
      }
    }
    results.push({
      response,
      plan: lastPlan ? prettyFormatQueryPlan(lastPlan) : null,
      fetches: lastPlan ? countFetches(lastPlan.node) : 0,
    });
  }
  await gateway.stop();
  return { results };
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
function composeEach({ inputs }) {
  return {
    answers: inputs.map((subgraphs) => {
      try {
        return compose({ subgraphs });
      } catch (e) {
        return { crashed: String(e) };
      }
    }),
  };
}

const commands = { compose, 'compose-each': composeEach, run };
const answer = await commands[request.command](request);
process.stdout.write(JSON.stringify(answer));
