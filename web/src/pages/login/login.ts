// The login form's checks and its errors in words (pure: no React, no client).
import { describeErrors } from "../../lib/errors";
import { AuthRequestError, UnreadableTokenError } from "../../auth";
import type { FormErrors } from "../../lib/forms";

/** The login form's values, as typed. */
export interface LoginValues {
  username: string;
  password: string;
}

/** What a wrong username, a wrong password and a locked account all show (no enumeration). */
export const WRONG_CREDENTIALS =
  "Wrong username or password. After several failed attempts the account is locked for a " +
  "few minutes.";

/** A message under each empty field; nothing is sent while there is one. */
export function validateLogin(values: LoginValues): FormErrors<LoginValues> {
  const errors: FormErrors<LoginValues> = {};
  if (values.username.trim() === "") errors.username = "Enter your username.";
  if (values.password === "") errors.password = "Enter your password.";
  return errors;
}

/** Why a login failed, in words: the server's refusal, an unreachable router, or else. */
export function loginErrorMessage(error: unknown): string {
  if (error instanceof UnreadableTokenError) return error.message;
  if (!(error instanceof AuthRequestError)) return "The login failed. Try again.";
  const [first] = describeErrors(error.error);
  if (!first) return "The login failed. Try again.";
  if (first.code === "UNAUTHENTICATED") return WRONG_CREDENTIALS;
  if (first.code === "NETWORK_ERROR") return first.summary;
  return `${first.summary} ${first.detail}`.trim();
}

/** The notice the login page shows for why nobody is signed in, or null. */
export function signedOutNotice(reason: "none" | "loggedOut" | "expired"): string | null {
  if (reason === "loggedOut") return "You are logged out.";
  if (reason === "expired") return "Your session has ended. Please log in again.";
  return null;
}
