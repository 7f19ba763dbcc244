import { describe, expect, it } from "vitest";
import { fakeAccessToken } from "../testing";
import {
  base64UrlDecode,
  describeSession,
  hasScope,
  isStaff,
  jwtPayload,
  sessionFromToken,
} from "./token";

const CLAIMS = {
  iss: "trellis-customers",
  sub: "3",
  exp: 1_900_000_000,
  scope: "customers:read billing:write",
  roles: ["clerk"],
  preferred_username: "clerk",
};

describe("sessionFromToken", () => {
  it("reads who is signed in from the claims, exp in milliseconds", () => {
    expect(sessionFromToken(fakeAccessToken(CLAIMS))).toEqual({
      accountId: "3",
      username: "clerk",
      roles: ["clerk"],
      scopes: ["customers:read", "billing:write"],
      customerId: null,
      expiresAt: 1_900_000_000_000,
    });
  });

  it("keeps a customer's customer_id as a string, and an empty scope as no scopes", () => {
    const token = fakeAccessToken({ ...CLAIMS, scope: "", roles: ["customer"], customer_id: 1 });
    const session = sessionFromToken(token);
    expect(session?.customerId).toBe("1");
    expect(session?.scopes).toEqual([]);
    expect(sessionFromToken(fakeAccessToken({ ...CLAIMS, customer_id: "42" }))?.customerId).toBe(
      "42",
    );
  });

  it("refuses tokens that are not three base64url JSON segments or lack sub, exp, username", () => {
    expect(sessionFromToken("not-a-token")).toBeNull();
    expect(sessionFromToken("a.b")).toBeNull();
    expect(sessionFromToken("eyJhbGciOiJub25lIn0.!!!.sig")).toBeNull();
    expect(sessionFromToken(`x.${btoa("[1, 2]")}.sig`)).toBeNull();
    const { sub: _sub, ...noSubject } = CLAIMS;
    expect(sessionFromToken(fakeAccessToken(noSubject))).toBeNull();
    expect(sessionFromToken(fakeAccessToken({ ...CLAIMS, exp: "soon" }))).toBeNull();
  });
});

describe("base64UrlDecode and jwtPayload", () => {
  it("decode base64url without padding, UTF-8 included", () => {
    // "é?" is 0xC3 0xA9 0x3F: base64 "w6k/", base64url "w6k_".
    expect(base64UrlDecode("w6k_")).toBe("é?");
    expect(base64UrlDecode("w6k/")).toBeNull();
    expect(base64UrlDecode("abcde")).toBeNull();
    expect(jwtPayload(fakeAccessToken({ name: "Zoë" }))).toEqual({ name: "Zoë" });
  });
});

describe("hasScope, isStaff, describeSession", () => {
  const clerk = sessionFromToken(fakeAccessToken(CLAIMS));

  it("answer from the session's scopes and roles", () => {
    expect(hasScope(clerk, "billing:write")).toBe(true);
    expect(hasScope(clerk, "customers:delete")).toBe(false);
    expect(hasScope(null, "billing:write")).toBe(false);
    expect(isStaff(clerk)).toBe(true);
    expect(isStaff(null)).toBe(false);
    if (!clerk) throw new Error("no session");
    expect(describeSession(clerk)).toBe("clerk (clerk)");
    expect(describeSession({ ...clerk, username: "ada", roles: ["customer"] })).toBe(
      "ada (customer)",
    );
    expect(isStaff({ ...clerk, roles: ["customer"] })).toBe(false);
  });
});
