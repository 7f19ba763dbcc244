import { CombinedError } from "urql";
import { describe, expect, it } from "vitest";
import { AuthRequestError, UnreadableTokenError } from "../../auth";
import { WRONG_CREDENTIALS, loginErrorMessage, signedOutNotice, validateLogin } from "./login";

describe("validateLogin", () => {
  it("asks for both fields; a blank username counts as empty, a password is taken as typed", () => {
    expect(validateLogin({ username: " ", password: "" })).toEqual({
      username: "Enter your username.",
      password: "Enter your password.",
    });
    expect(validateLogin({ username: "ada", password: " " })).toEqual({});
  });
});

describe("loginErrorMessage", () => {
  it("words the server's refusal, an unreachable router and an unreadable token", () => {
    const refused = new AuthRequestError(
      new CombinedError({
        graphQLErrors: [
          { message: "Invalid username or password.", extensions: { code: "UNAUTHENTICATED" } },
        ],
      }),
    );
    expect(loginErrorMessage(refused)).toBe(WRONG_CREDENTIALS);
    const offline = new AuthRequestError(
      new CombinedError({ networkError: new Error("Failed to fetch") }),
    );
    expect(loginErrorMessage(offline)).toBe(
      "The router could not be reached. Is Trellis running?",
    );
    const other = new AuthRequestError(
      new CombinedError({
        graphQLErrors: [{ message: "boom", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
      }),
    );
    expect(loginErrorMessage(other)).toBe("Something went wrong on the server. boom");
    expect(loginErrorMessage(new UnreadableTokenError())).toBe(
      "The server's access token could not be read.",
    );
    expect(loginErrorMessage(new Error("?"))).toBe("The login failed. Try again.");
  });
});

describe("signedOutNotice", () => {
  it("explains a logout and an ended session", () => {
    expect(signedOutNotice("loggedOut")).toBe("You are logged out.");
    expect(signedOutNotice("expired")).toBe("Your session has ended. Please log in again.");
    expect(signedOutNotice("none")).toBeNull();
  });
});
