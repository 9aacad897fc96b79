// Browser tests of session handling: a token from fetchSession, one renewal after a 401, and the
// selfservice-session-expired event (instead of an error) when renewing does not help.
import { afterEach, expect, test, vi } from "vitest";
import { page, userEvent } from "vitest/browser";
import type { SelfserviceSessionExpiredDetail } from "../../widget/src/events.js";
import {
  appliedUpgrade,
  cleanup,
  installFakePortal,
  mount,
  overview,
  problem,
  shadow,
  text,
  waitFor,
  type RecordedRequest,
} from "./fixtures.js";

afterEach(cleanup);

function listen<T>(type: string): CustomEvent<T>[] {
  const seen: CustomEvent<T>[] = [];
  document.addEventListener(type, (event) => seen.push(event as CustomEvent<T>));
  return seen;
}

const token = (request: RecordedRequest) => request.headers.get("authorization");

test("without session-token the token comes from fetchSession", async () => {
  const portal = installFakePortal();
  const fetchSession = vi.fn(async () => "pst_from_backend");
  const element = await mount({ sessionToken: null, fetchSession });
  await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
  expect(fetchSession).toHaveBeenCalledTimes(1);
  expect(token(portal.requests[0]!)).toBe("Bearer pst_from_backend");
});

test("a 401 calls fetchSession again once and retries the request with the new token", async () => {
  const portal = installFakePortal({
    "GET /portal/v1/contracts": (request) =>
      token(request) === "Bearer pst_fresh"
        ? { body: overview([]) }
        : problem(401, "token_expired"),
  });
  const expired = listen("selfservice-session-expired");
  const fetchSession = vi.fn(async () => "pst_fresh");
  const element = await mount({ sessionToken: "pst_old", fetchSession });
  await waitFor(() => shadow(element).querySelector("[part~=empty]"));
  expect(fetchSession).toHaveBeenCalledTimes(1);
  expect(portal.requests.map(token)).toEqual(["Bearer pst_old", "Bearer pst_fresh"]);
  expect(expired).toHaveLength(0);
});

test("a confirm that meets an expired token is retried with the renewed token and the same Idempotency-Key", async () => {
  let expiredOnce = false;
  const portal = installFakePortal({
    "POST /portal/v1/contracts/ctr_basic1/changes": () => {
      if (!expiredOnce) {
        expiredOnce = true;
        return problem(401, "token_expired");
      }
      return { status: 201, body: appliedUpgrade };
    },
  });
  let n = 0;
  const fetchSession = vi.fn(async () => `pst_${++n}`);
  const element = await mount({ sessionToken: null, fetchSession, contractId: "ctr_basic1" });
  await waitFor(() => shadow(element).querySelector("[part~=facts]"));
  await userEvent.click(page.getByRole("button", { name: "Tarif wechseln" }));
  await userEvent.click(page.getByRole("radio", { name: /Premium/ }));
  await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
  await userEvent.click(page.getByRole("button", { name: "Zahlungspflichtig bestätigen" }));
  await waitFor(() => shadow(element).querySelector("[part~=result]"));
  const applies = portal.calls("POST /portal/v1/contracts/ctr_basic1/changes");
  expect(applies.map(token)).toEqual(["Bearer pst_1", "Bearer pst_2"]);
  expect(applies[1]!.headers.get("idempotency-key")).toBe(
    applies[0]!.headers.get("idempotency-key"),
  );
  expect(fetchSession).toHaveBeenCalledTimes(2);
});

test("401 again after renewing: fetchSession was called twice, then selfservice-session-expired fires", async () => {
  installFakePortal({ "GET /portal/v1/contracts": () => problem(401, "token_revoked") });
  const expired = listen<SelfserviceSessionExpiredDetail>("selfservice-session-expired");
  const errors = listen("selfservice-error");
  const fetchSession = vi.fn(async () => "pst_still_bad");
  const element = await mount({ sessionToken: null, fetchSession });
  const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
  expect(text(alert)).toContain("Ihre Sitzung ist abgelaufen.");
  // Once for the first token, once again after the 401 — and no third time.
  expect(fetchSession).toHaveBeenCalledTimes(2);
  expect(expired).toHaveLength(1);
  expect(expired[0]!.detail).toEqual({ operation: "load_contracts" });
  expect(expired[0]!.bubbles && expired[0]!.composed).toBe(true);
  expect(errors).toHaveLength(0);
});

test("session-token without fetchSession: a 401 ends the session at once", async () => {
  const portal = installFakePortal({
    "GET /portal/v1/contracts": () => problem(401, "token_expired"),
  });
  const expired = listen("selfservice-session-expired");
  const element = await mount({ sessionToken: "pst_old", locale: "en" });
  const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
  expect(text(alert)).toBe("Your session has expired. Please sign in again.");
  expect(portal.requests).toHaveLength(1);
  expect(expired).toHaveLength(1);
  // The merchant page signs the customer in again and hands over a new token: the widget reloads.
  portal.routes["GET /portal/v1/contracts"] = () => ({ body: overview([]) });
  element.setAttribute("session-token", "pst_new");
  await waitFor(() => shadow(element).querySelector("[part~=empty]"));
  expect(token(portal.requests[1]!)).toBe("Bearer pst_new");
});

test("fetchSession failing counts as an expired session, not as an error", async () => {
  installFakePortal({ "GET /portal/v1/contracts": () => problem(401, "token_expired") });
  const expired = listen("selfservice-session-expired");
  const errors = listen("selfservice-error");
  const element = await mount({
    sessionToken: "pst_old",
    fetchSession: async () => Promise.reject(new Error("merchant login gone")),
  });
  await waitFor(() => shadow(element).querySelector("[role=alert]"));
  expect(expired).toHaveLength(1);
  expect(errors).toHaveLength(0);
});
