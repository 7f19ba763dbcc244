import { describe, expect, it } from "vitest";
import { CustomersPage } from "./CustomersPage";
import {
  button,
  byLabel,
  click,
  fill,
  link,
  queryText,
  renderAt,
  waitFor,
} from "../../testing";

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

describe("CustomersPage", () => {
  it("lists customers, pages by cursor, and searches once typing pauses", async () => {
    const { queries } = await renderAt(<CustomersPage />, "/customers", {
      answers: {
        CustomerList: (variables) => ({
          data: { customers: variables.search ? { ...PAGE, nodes: [], totalCount: 0 } : PAGE },
        }),
      },
    });
    expect(link("Ada Lovelace").getAttribute("href")).toBe("/customers/1");
    expect(link("New customer").getAttribute("href")).toBe("/customers/new");
    expect(queryText("Page 1 · 21 in all")).not.toBeNull();

    await click(button("Next"));
    expect(queries.at(-1)?.variables).toEqual({ first: 20, after: "c1", search: null });

    const search = byLabel("Search");
    await fill(search, "z");
    await fill(search, "ze");
    await fill(search, "zed");
    await waitFor(() => expect(queryText("No customers match “zed”.")).not.toBeNull());
    expect(queries.at(-1)?.variables).toEqual({ first: 20, after: null, search: "zed" });
    expect(queries.some((query) => query.variables.search === "z")).toBe(false);
  });

  it("says when there are no customers at all", async () => {
    const empty = { nodes: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 };
    await renderAt(<CustomersPage />, "/customers", {
      answers: { CustomerList: () => ({ data: { customers: empty } }) },
    });
    expect(queryText("No customers yet.")).not.toBeNull();
  });
});
