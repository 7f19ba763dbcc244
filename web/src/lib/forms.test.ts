import { describe, expect, it } from "vitest";
import { atMost, placeFieldErrors, required } from "./forms";

describe("required and atMost", () => {
  it("want text, then at most `max` characters", () => {
    expect(required("", "Enter a name.", 3)).toBe("Enter a name.");
    expect(required("abcd", "Enter a name.", 3)).toBe("At most 3 characters.");
    expect(required("abc", "Enter a name.", 3)).toBeUndefined();
    expect(atMost("", 3)).toBeUndefined();
  });
});

describe("placeFieldErrors", () => {
  it("places a path under the field its last segment names, or its alias", () => {
    const fields = {
      "input.address.city": "must not be empty",
      "input.price.amount": "must be positive",
      delta: "too large",
      "input.unknown": "dropped",
      constructor: "dropped too",
    };
    expect(placeFieldErrors(fields, ["city", "price", "change"], { amount: "price" })).toEqual({
      city: "must not be empty",
      price: "must be positive",
    });
    expect(placeFieldErrors(fields, ["reason"], { delta: "change" })).toEqual({
      change: "too large",
    });
  });

  it("keeps the first message of a field", () => {
    const fields = { "input.price": "first", "input.price.amount": "second" };
    expect(placeFieldErrors(fields, ["price"], { amount: "price" })).toEqual({ price: "first" });
  });
});
