// A page whose origin the merchant has not allowed: the browser's CORS refusal (or a readable
// 403 origin_not_allowed) is named for the merchant in the console and the selfservice-error
// detail, while the customer sees a neutral message instead of "check your connection".
import { afterEach, describe, expect, test, vi } from "vitest";
import type { SelfserviceErrorDetail } from "../../widget/src/events.js";
import {
  API_BASE,
  cleanup,
  installFakePortal,
  mount,
  problem,
  shadow,
  text,
  waitFor,
} from "./fixtures.js";

afterEach(cleanup);

/** What a browser does for a refused origin: the CORS request fails, a no-cors GET gets through. */
function refuseCors(): { probes: string[] } {
  const probes: string[] = [];
  const realFetch = globalThis.fetch.bind(globalThis);
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (!url.startsWith(API_BASE)) return realFetch(input, init);
    if (init?.mode !== "no-cors") throw new TypeError("Failed to fetch");
    probes.push(url);
    return new Response(null, { status: 200 });
  });
  return { probes };
}

describe("a refused page origin", () => {
  test("CORS refusal: neutral text for the customer, the cause for the merchant", async () => {
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    const { probes } = refuseCors();
    const errors: CustomEvent<SelfserviceErrorDetail>[] = [];
    document.addEventListener("selfservice-error", (event) => errors.push(event), { once: true });
    const element = await mount();
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toContain("Das Kundenportal ist hier gerade nicht verfügbar.");
    expect(text(alert)).not.toContain("Internetverbindung");
    expect(text(alert)).not.toContain("allowedOrigins");
    expect(probes).toEqual([`${API_BASE}/portal/v1/contracts`]);
    expect(errors[0]!.detail).toMatchObject({
      operation: "load_contracts",
      status: 0,
      code: "origin_not_allowed",
    });
    expect(errors[0]!.detail.detail).toContain(location.origin);
    expect(errors[0]!.detail.detail).toContain("allowedOrigins");
    expect(consoleError).toHaveBeenCalledWith(expect.stringContaining(`origin ${location.origin}`));
    consoleError.mockRestore();
  });

  test("a readable 403 origin_not_allowed is treated the same, its detail kept from the customer", async () => {
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    const detail = `Origin ${location.origin} is not allowed for this merchant's portal.`;
    installFakePortal({
      "GET /portal/v1/contracts": () => problem(403, "origin_not_allowed", detail),
    });
    const element = await mount({ locale: "en" });
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toBe(
      "The customer portal is not available here right now. Please try again later. Try again",
    );
    expect(consoleError).toHaveBeenCalledWith(`<selfservice-portal>: ${detail}`);
    consoleError.mockRestore();
  });

  test("a server that does not answer at all is still a connection problem", async () => {
    const realFetch = globalThis.fetch.bind(globalThis);
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      if (!String(input).startsWith(API_BASE)) return realFetch(input, init);
      throw new TypeError("Failed to fetch");
    });
    const element = await mount();
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toContain("Keine Verbindung zum Server");
  });
});
