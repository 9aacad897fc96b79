// The role table of the back office and the sign-in throttle, as pure rules.
import { describe, expect, it } from "vitest";
import { retryAfterSeconds } from "../../worker/domain/login-throttle.ts";
import { isAllowed } from "../../worker/domain/permissions.ts";

describe("roles", () => {
  it("lets every role read, and only the owner manage users", () => {
    for (const role of ["owner", "accountant", "viewer"] as const) {
      expect(isAllowed(role, "GET", "/contracts/ctr_x")).toBe(true);
      expect(isAllowed(role, "POST", "/contracts/ctr_x/changes/preview")).toBe(true);
      expect(isAllowed(role, "POST", "/auth/logout")).toBe(true);
    }
    expect(isAllowed("owner", "GET", "/users")).toBe(true);
    expect(isAllowed("accountant", "GET", "/users")).toBe(false);
    expect(isAllowed("owner", "DELETE", "/users/usr_x")).toBe(true);
  });

  it("lets the accountant book payments but not change the catalogue, contracts or settings", () => {
    for (const [method, path] of [
      ["POST", "/bank-transactions/btx_x/assign"],
      ["POST", "/bank-transactions/bulk"],
      ["POST", "/reconciliation/runs"],
      ["POST", "/collection-runs"],
      ["POST", "/collection-runs/col_x/cancel"],
      ["PUT", "/customers/cus_x/mandate"],
      ["POST", "/finapi/bank-connections"],
    ])
      expect(isAllowed("accountant", method!, path!), `${method} ${path}`).toBe(true);
    for (const [method, path] of [
      ["POST", "/articles"],
      ["PATCH", "/contract-templates/tpl_x"],
      ["POST", "/template-groups"],
      ["POST", "/contracts/ctr_x/changes"],
      ["PATCH", "/settings/customer-center"],
      ["PUT", "/finapi/settings"],
      ["POST", "/webhook-endpoints"],
    ])
      expect(isAllowed("accountant", method!, path!), `${method} ${path}`).toBe(false);
  });

  it("lets the viewer change nothing", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"])
      for (const path of [
        "/articles",
        "/bank-transactions/btx_x/assign",
        "/customers/cus_x/mandate",
      ])
        expect(isAllowed("viewer", method, path)).toBe(false);
  });
});

describe("sign-in throttle", () => {
  const now = new Date("2026-12-03T10:00:00Z");
  it("allows tries below 10 failures and waits out the window at 10", () => {
    expect(retryAfterSeconds([{ failures: 9, oldest: "2026-12-03T09:50:00Z" }], now)).toBe(0);
    expect(retryAfterSeconds([{ failures: 10, oldest: "2026-12-03T09:50:00Z" }], now)).toBe(300);
    expect(
      retryAfterSeconds(
        [
          { failures: 10, oldest: "2026-12-03T09:50:00Z" },
          { failures: 12, oldest: "2026-12-03T09:59:00Z" },
        ],
        now,
      ),
    ).toBe(840);
  });
});
