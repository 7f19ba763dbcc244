import { afterEach, describe, expect, it } from "vitest";
import { CustomersPage } from "./CustomersPage";
import {
  button,
  byLabel,
  cleanup,
  click,
  fill,
  link,
  mockClient,
  queryText,
  renderAt,
  waitFor,
} from "./testClient";

const PAGE = {
  nodes: [
    {
      __typename: "Customer",
      id: "1",
      name: "Ada Lovelace",
      email: "ada@example.com",
      phone: null,
      createdAt: "2026-01-05T10:00:00+00:00",
    },
  ],
  pageInfo: { hasNextPage: true, endCursor: "c1" },
  totalCount: 21,
};

afterEach(cleanup);

describe("CustomersPage", () => {
  it("lists customers, pages by cursor, and searches once typing pauses", async () => {
    const { client, queries } = mockClient({
      CustomerList: (variables) => ({
        data: { customers: variables.search ? { ...PAGE, nodes: [], totalCount: 0 } : PAGE },
      }),
    });
    renderAt(client, <CustomersPage />, "/customers");
    expect(link("Ada Lovelace").getAttribute("href")).toBe("/customers/1");
    expect(link("New customer").getAttribute("href")).toBe("/customers/new");
    expect(queryText("Page 1 · 21 in all")).not.toBeNull();

    await click(button("Next"));
    expect(queries.at(-1)?.variables).toEqual({ first: 20, after: "c1", search: null });

    const search = byLabel("Search");
    fill(search, "z");
    fill(search, "ze");
    fill(search, "zed");
    await waitFor(() => expect(queryText("No customers match “zed”.")).not.toBeNull());
    expect(queries.at(-1)?.variables).toEqual({ first: 20, after: null, search: "zed" });
    expect(queries.some((query) => query.variables.search === "z")).toBe(false);
  });

  it("says when there are no customers at all", () => {
    const { client } = mockClient({
      CustomerList: () => ({
        data: {
          customers: {
            nodes: [],
            pageInfo: { hasNextPage: false, endCursor: null },
            totalCount: 0,
          },
        },
      }),
    });
    renderAt(client, <CustomersPage />, "/customers");
    expect(queryText("No customers yet.")).not.toBeNull();
  });
});
