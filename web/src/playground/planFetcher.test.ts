import {
  createPlanFetcher,
  INTROSPECTION_OPERATION,
  QUERY_PLAN_HEADER,
  readQueryPlan,
  requestHeaders,
  type RecordedPlan,
} from "./planFetcher";

const PLAN = {
  object: { kind: "QueryPlan", node: { kind: "Fetch", serviceName: "billing" } },
  text:
    'QueryPlan {\n  Fetch(service: "billing") {\n    {\n      invoices { number }\n    }\n  },\n}',
};

interface SentRequest {
  url: string;
  init: RequestInit;
}

/** A fake fetch that records what it was asked and answers `body` (JSON unless a string). */
function fakeFetch(body: unknown, status = 200): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    sent.push({ url: String(input), init: init ?? {} });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return Promise.resolve(
      new Response(text, { status, headers: { "content-type": "application/json" } }),
    );
  };
  return { fetch: fetchFn, sent };
}

function recorder(): { plans: RecordedPlan[]; onPlan: (plan: RecordedPlan) => void } {
  const plans: RecordedPlan[] = [];
  return { plans, onPlan: (plan) => plans.push(plan) };
}

function headersOf(request: SentRequest | undefined): Record<string, string> {
  return (request?.init.headers ?? {}) as Record<string, string>;
}

describe("createPlanFetcher", () => {
  it("records the plan of a response that has one and returns the response", async () => {
    const response = { data: { invoices: { nodes: [] } }, extensions: { apolloQueryPlan: PLAN } };
    const { fetch, sent } = fakeFetch(response);
    const { plans, onPlan } = recorder();
    const fetcher = createPlanFetcher({ url: "http://router.test/graphql", onPlan, fetch });

    const query = "{ invoices { nodes { number } } }";
    const result = await fetcher({ query, operationName: null });

    expect(result).toEqual(response);
    expect(plans).toEqual([{ kind: "plan", plan: PLAN }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe("http://router.test/graphql");
    expect(sent[0]?.init.method).toBe("POST");
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({
      query: "{ invoices { nodes { number } } }",
    });
  });

  it("sends apollo-expose-query-plan: true on every request", async () => {
    const { fetch, sent } = fakeFetch({ data: { __typename: "Query" } });
    const fetcher = createPlanFetcher({ url: "/graphql", onPlan: () => undefined, fetch });

    await fetcher({ query: "{ __typename }" });
    await fetcher({
      query: "query IntrospectionQuery { __schema { queryType { name } } }",
      operationName: INTROSPECTION_OPERATION,
    });

    expect(sent.map((request) => headersOf(request)[QUERY_PLAN_HEADER])).toEqual(["true", "true"]);
    expect(headersOf(sent[0])["content-type"]).toBe("application/json");
  });

  it("keeps the headers editor's headers but never lets them drop the plan header", async () => {
    const { fetch, sent } = fakeFetch({ data: null });
    const fetcher = createPlanFetcher({ url: "/graphql", onPlan: () => undefined, fetch });

    await fetcher(
      { query: "{ __typename }", variables: { first: 5 }, operationName: "Q" },
      { headers: { Authorization: "Bearer t", "Apollo-Expose-Query-Plan": "false" } },
    );

    const headers = headersOf(sent[0]);
    expect(headers.authorization).toBe("Bearer t");
    expect(headers[QUERY_PLAN_HEADER]).toBe("true");
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({
      query: "{ __typename }",
      variables: { first: 5 },
      operationName: "Q",
    });
  });

  it('records "none" when the response has no plan', async () => {
    const { fetch } = fakeFetch({ data: { __typename: "Query" } });
    const { plans, onPlan } = recorder();
    const fetcher = createPlanFetcher({ url: "/graphql", onPlan, fetch });

    await fetcher({ query: "{ __typename }" });

    expect(plans).toEqual([{ kind: "none" }]);
  });

  it("records the last response's plan each time", async () => {
    let answer: unknown = { data: {}, extensions: { apolloQueryPlan: PLAN } };
    const fetchFn = (): Promise<Response> => Promise.resolve(new Response(JSON.stringify(answer)));
    const { plans, onPlan } = recorder();
    const fetcher = createPlanFetcher({ url: "/graphql", onPlan, fetch: fetchFn });

    await fetcher({ query: "{ a }" });
    answer = { errors: [{ message: "Cannot query field" }] };
    await fetcher({ query: "{ b }" });

    expect(plans).toEqual([{ kind: "plan", plan: PLAN }, { kind: "none" }]);
  });

  it("does not record GraphiQL's introspection", async () => {
    const { fetch } = fakeFetch({ data: { __schema: {} }, extensions: { apolloQueryPlan: PLAN } });
    const { plans, onPlan } = recorder();
    const fetcher = createPlanFetcher({ url: "/graphql", onPlan, fetch });

    await fetcher({
      query: "query IntrospectionQuery { __schema { types { name } } }",
      operationName: INTROSPECTION_OPERATION,
    });

    expect(plans).toEqual([]);
  });

  it('throws on a body that is not a GraphQL response and records "none"', async () => {
    const { fetch } = fakeFetch("<html>Bad gateway</html>", 502);
    const { plans, onPlan } = recorder();
    const fetcher = createPlanFetcher({ url: "/graphql", onPlan, fetch });

    await expect(fetcher({ query: "{ __typename }" })).rejects.toThrow(/HTTP 502/);
    expect(plans).toEqual([{ kind: "none" }]);
  });

  it('records "none" and rethrows when the request fails', async () => {
    const failing = (): Promise<Response> => Promise.reject(new TypeError("Failed to fetch"));
    const { plans, onPlan } = recorder();
    const fetcher = createPlanFetcher({ url: "/graphql", onPlan, fetch: failing });

    await expect(fetcher({ query: "{ __typename }" })).rejects.toThrow("Failed to fetch");
    expect(plans).toEqual([{ kind: "none" }]);
  });
});

describe("readQueryPlan", () => {
  it("reads extensions.apolloQueryPlan", () => {
    expect(readQueryPlan({ data: {}, extensions: { apolloQueryPlan: PLAN } })).toEqual(PLAN);
  });

  it("returns null without a plan or with a malformed one", () => {
    expect(readQueryPlan(null)).toBeNull();
    expect(readQueryPlan({ data: {} })).toBeNull();
    expect(readQueryPlan({ extensions: { other: 1 } })).toBeNull();
    expect(readQueryPlan({ extensions: { apolloQueryPlan: { object: {} } } })).toBeNull();
    expect(readQueryPlan({ extensions: { apolloQueryPlan: "QueryPlan {}" } })).toBeNull();
  });
});

describe("requestHeaders", () => {
  it("asks for GraphQL responses and the plan", () => {
    expect(requestHeaders()).toEqual({
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      "apollo-expose-query-plan": "true",
    });
  });
});

describe("createPlanFetcher with a header source (the SPA's session)", () => {
  /** A fetch answering 401 to every token but `valid`; records the Authorization headers. */
  function router(valid: () => string) {
    const seen: (string | undefined)[] = [];
    const fetchFn = (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const authorization = (init?.headers as Record<string, string>).authorization;
      seen.push(authorization);
      const ok = authorization === `Bearer ${valid()}`;
      const body = ok
        ? { data: { me: { username: "clerk" } } }
        : { errors: [{ message: "expired", extensions: { code: "UNAUTHENTICATED" } }] };
      return Promise.resolve(
        new Response(JSON.stringify(body), {
          status: ok ? 200 : 401,
          headers: { "content-type": "application/json" },
        }),
      );
    };
    return { fetch: fetchFn, seen };
  }

  it("sends the source's headers; the headers editor's win", async () => {
    const { fetch, seen } = router(() => "t1");
    const headerSource = { headers: () => ({ authorization: "Bearer t1" }) };
    const fetcher = createPlanFetcher({
      url: "http://r/graphql",
      onPlan: () => {},
      fetch,
      headerSource,
    });
    expect(await fetcher({ query: "{ me { username } }" })).toEqual({
      data: { me: { username: "clerk" } },
    });
    await fetcher({ query: "{ me { username } }" }, { headers: { Authorization: "Bearer mine" } });
    expect(seen).toEqual(["Bearer t1", "Bearer mine"]);
  });

  it("after a 401, renews the source's headers and sends the request once more", async () => {
    let token = "old";
    const renewals: Record<string, string>[] = [];
    const headerSource = {
      headers: () => ({ authorization: `Bearer ${token}` }),
      renew: (sent: Record<string, string>) => {
        renewals.push(sent);
        token = "new";
        return Promise.resolve(true);
      },
    };
    const { fetch, seen } = router(() => "new");
    const fetcher = createPlanFetcher({
      url: "http://r/graphql",
      onPlan: () => {},
      fetch,
      headerSource,
    });
    expect(await fetcher({ query: "{ me { username } }" })).toEqual({
      data: { me: { username: "clerk" } },
    });
    expect(seen).toEqual(["Bearer old", "Bearer new"]);
    expect(renewals).toEqual([{ authorization: "Bearer old" }]);
  });

  it("gives the 401's answer when the session cannot be renewed or the editor set it", async () => {
    const renewals: string[] = [];
    const headerSource = {
      headers: () => ({ authorization: "Bearer old" }),
      renew: () => {
        renewals.push("renew");
        return Promise.resolve(false);
      },
    };
    const { fetch, seen } = router(() => "new");
    const fetcher = createPlanFetcher({
      url: "http://r/graphql",
      onPlan: () => {},
      fetch,
      headerSource,
    });
    const refused = {
      errors: [{ message: "expired", extensions: { code: "UNAUTHENTICATED" } }],
    };
    expect(await fetcher({ query: "{ me { username } }" })).toEqual(refused);
    expect(renewals).toEqual(["renew"]);
    await fetcher({ query: "{ me { username } }" }, { headers: { authorization: "Bearer x" } });
    expect(renewals).toEqual(["renew"]);
    expect(seen).toEqual(["Bearer old", "Bearer x"]);
  });
});
