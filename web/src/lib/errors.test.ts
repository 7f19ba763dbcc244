import { CombinedError } from "urql";
import { describe, expect, it } from "vitest";
import { describeErrors, describeGraphQLError, messageForCode } from "./errors";

describe("describeGraphQLError", () => {
  it("turns extensions.code into words and keeps the server's message", () => {
    const described = describeGraphQLError({
      message: "customer 99 does not exist",
      extensions: { code: "NOT_FOUND" },
    });
    expect(described.code).toBe("NOT_FOUND");
    expect(described.summary).toBe("It does not exist (it may have been deleted).");
    expect(described.detail).toBe("customer 99 does not exist");
  });

  it("collects the field messages of BAD_USER_INPUT", () => {
    const described = describeGraphQLError({
      message: "invalid input",
      extensions: {
        code: "BAD_USER_INPUT",
        fields: [{ field: "email", message: "not an email address" }, { bogus: 1 }],
      },
    });
    expect(described.fields).toEqual({ email: "not an email address" });
  });

  it("names an unknown code", () => {
    expect(messageForCode("TEAPOT")).toBe("The request failed (TEAPOT).");
    expect(describeGraphQLError({ message: "x" }).code).toBe("INTERNAL_SERVER_ERROR");
  });
});

describe("describeErrors", () => {
  it("puts the network error first", () => {
    const error = new CombinedError({
      networkError: new Error("Failed to fetch"),
      graphQLErrors: [{ message: "bad", extensions: { code: "CONFLICT" } }],
    });
    const codes = describeErrors(error).map((item) => item.code);
    expect(codes).toEqual(["NETWORK_ERROR", "CONFLICT"]);
  });
});
