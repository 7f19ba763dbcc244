import { CombinedError } from "urql";
import { describe, expect, it } from "vitest";
import {
  describeErrors,
  describeGraphQLError,
  isNotFound,
  messageForCode,
  serverFieldMessages,
} from "./errors";

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

describe("serverFieldMessages", () => {
  it("collects the field messages of every error", () => {
    const error = new CombinedError({
      graphQLErrors: [
        {
          message: "invalid",
          extensions: {
            code: "BAD_USER_INPUT",
            fields: [{ field: "input.email", message: "bad" }],
          },
        },
        { message: "other", extensions: { fields: [{ field: "input.name", message: "empty" }] } },
      ],
    });
    expect(serverFieldMessages(error)).toEqual({ "input.email": "bad", "input.name": "empty" });
    expect(serverFieldMessages(undefined)).toEqual({});
  });
});

describe("isNotFound", () => {
  const failed = (code: string) =>
    new CombinedError({ graphQLErrors: [{ message: "x", extensions: { code } }] });

  it("is true for a null record without errors, or with NOT_FOUND or BAD_USER_INPUT", () => {
    expect(isNotFound(null, undefined)).toBe(true);
    expect(isNotFound(null, failed("NOT_FOUND"))).toBe(true);
    expect(isNotFound(null, failed("BAD_USER_INPUT"))).toBe(true);
  });

  it("is false for a record, another error, or a network error", () => {
    expect(isNotFound({ id: "1" }, undefined)).toBe(false);
    expect(isNotFound(null, failed("SUBREQUEST_HTTP_ERROR"))).toBe(false);
    const network = new CombinedError({ networkError: new Error("Failed to fetch") });
    expect(isNotFound(null, network)).toBe(false);
  });
});
