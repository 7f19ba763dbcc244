import { describe, expect, it } from "vitest";
import { DEFAULT_NEXT, loginPath, safeNext } from "./redirect";

describe("safeNext", () => {
  it("keeps a path of the app with its query string", () => {
    expect(safeNext("/orders?status=PAID")).toBe("/orders?status=PAID");
    expect(safeNext("/invoices/7")).toBe("/invoices/7");
  });

  it("refuses other sites, the login page and nothing at all", () => {
    for (const next of [null, "", "https://evil.example/", "//evil.example", "/\\evil.example"]) {
      expect(safeNext(next)).toBe(DEFAULT_NEXT);
    }
    expect(safeNext("/login?next=/orders")).toBe(DEFAULT_NEXT);
    expect(safeNext("javascript:alert(1)")).toBe(DEFAULT_NEXT);
  });
});

describe("loginPath", () => {
  it("remembers the page asked for, encoded", () => {
    expect(loginPath("/orders?status=PAID")).toBe("/login?next=%2Forders%3Fstatus%3DPAID");
    expect(loginPath(null)).toBe("/login");
    expect(loginPath(DEFAULT_NEXT)).toBe("/login");
  });
});
