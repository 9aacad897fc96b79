// Browser-test fixtures for <selfservice-portal>: portal API data built on DESIGN's worked
// example (30 → 60 EUR on 11 Jan: −20.32 / +40.65 / net 20.33), an in-test fake of the portal
// API behind a stubbed fetch that records every request, and mount/query helpers.
import { vi } from "vitest";
import "../../widget/src/define.js";
import type { SelfservicePortal } from "../../widget/src/selfservice-portal.js";
import type {
  ChangePreview,
  ChangeResult,
  PortalContract,
  PortalInvoice,
  PortalOverview,
  Problem,
} from "../../widget/src/portal-api.js";

export const API_BASE = "https://tarif.test";

export function basicContract(overrides: Partial<PortalContract> = {}): PortalContract {
  return {
    id: "ctr_basic1",
    status: "active",
    currency: "EUR",
    tariff: { templateId: "tpl_basic", name: "Basic", billingInterval: "month" },
    items: [
      {
        id: "itm_plan1",
        articleId: "art_basic",
        kind: "plan",
        name: "Basic",
        quantity: 1,
        unitAmount: 3000,
        periodAmount: 3000,
        taxRate: 1900,
        removable: false,
        quantityChangeable: false,
        maxQuantity: 1,
      },
      {
        id: "itm_storage1",
        articleId: "art_storage",
        kind: "addon",
        name: "Extra storage",
        quantity: 2,
        unitAmount: 500,
        periodAmount: 1000,
        taxRate: 1900,
        removable: true,
        quantityChangeable: true,
        maxQuantity: 10,
      },
    ],
    recurringNetAmount: 4000,
    recurringTaxAmount: 760,
    recurringGrossAmount: 4760,
    currentPeriod: { start: "2027-01-01", end: "2027-02-01" },
    nextBillingDate: "2027-02-01",
    endDate: null,
    earliestCancellationDate: "2027-03-31",
    cancellationEndDates: ["2027-03-31", "2027-04-30", "2027-05-31"],
    scheduledChanges: [
      {
        id: "chg_sched1",
        type: "change_quantity",
        effectiveDate: "2027-02-01",
        kind: "upgrade",
        summary: "3 × Extra storage",
      },
    ],
    switchOptions: [
      {
        templateId: "tpl_premium",
        name: "Premium",
        billingInterval: "month",
        periodAmount: 6000,
        kind: "upgrade",
      },
      {
        templateId: "tpl_mini",
        name: "Mini",
        billingInterval: "month",
        periodAmount: 1500,
        kind: "downgrade",
      },
    ],
    addonOptions: [
      {
        articleId: "art_support",
        name: "Support Plus",
        periodAmount: 900,
        taxRate: 1900,
        maxQuantity: 3,
      },
    ],
    changeDates: {
      dates: ["2027-01-11", "2027-02-01"],
      ranges: [{ from: "2027-01-15", to: "2027-04-11" }],
      points: [
        { type: "immediately", date: "2027-01-11" },
        { type: "next_period", date: "2027-02-01" },
      ],
    },
    canCancel: true,
    ...overrides,
  };
}

export function yearlyContract(): PortalContract {
  return basicContract({
    id: "ctr_year2",
    status: "cancellation_pending",
    tariff: { templateId: "tpl_year", name: "Business Jahr", billingInterval: "year" },
    items: [
      {
        id: "itm_plan2",
        articleId: "art_year",
        kind: "plan",
        name: "Business Jahr",
        quantity: 1,
        unitAmount: 120000,
        periodAmount: 120000,
        taxRate: 1900,
        removable: false,
        quantityChangeable: false,
        maxQuantity: 1,
      },
    ],
    recurringNetAmount: 120000,
    recurringTaxAmount: 22800,
    recurringGrossAmount: 142800,
    currentPeriod: { start: "2027-01-01", end: "2028-01-01" },
    nextBillingDate: null,
    endDate: "2027-12-31",
    earliestCancellationDate: null,
    cancellationEndDates: [],
    scheduledChanges: [],
    switchOptions: [],
    addonOptions: [],
    changeDates: { dates: [], ranges: [], points: [] },
    canCancel: false,
  });
}

export function overview(
  contracts: PortalContract[] = [basicContract(), yearlyContract()],
): PortalOverview {
  return {
    customer: { id: "cus_erika", name: "Erika Mustermann", locale: "de" },
    merchant: { name: "Beispiel GmbH" },
    allowedActions: [
      "switch_up",
      "switch_down",
      "add_addon",
      "remove_item",
      "change_quantity",
      "cancel",
    ],
    contracts,
  };
}

/** DESIGN's worked example: Basic 30.00 → Premium 60.00 on 11 Jan, 21 of 31 days left. */
export const upgradePreview: ChangePreview = {
  computedOn: "2027-01-11",
  requestedDate: "2027-01-11",
  effectiveDate: "2027-01-11",
  kind: "upgrade",
  currency: "EUR",
  lines: [
    {
      description: "Unused time on Basic (11.01.2027 – 31.01.2027)",
      name: "Basic",
      quantity: 1,
      periodStart: "2027-01-11",
      periodEnd: "2027-02-01",
      netAmount: -2032,
      taxRate: 1900,
    },
    {
      description: "Remaining time on Premium (11.01.2027 – 31.01.2027)",
      name: "Premium",
      quantity: 1,
      periodStart: "2027-01-11",
      periodEnd: "2027-02-01",
      netAmount: 4065,
      taxRate: 1900,
    },
  ],
  netAmount: 2033,
  taxAmount: 386,
  grossAmount: 2419,
  taxBreakdown: [{ taxRate: 1900, netAmount: 2033, taxAmount: 386 }],
  settlement: "interim_invoice",
  recurringAfter: { billingInterval: "month", netAmount: 7000, taxAmount: 1330, grossAmount: 8330 },
};

export function invoice(n: number, overrides: Partial<PortalInvoice> = {}): PortalInvoice {
  return {
    id: `inv_${n}`,
    number: `RE-2027-${String(n).padStart(6, "0")}`,
    kind: "regular",
    status: "paid",
    contractId: "ctr_basic1",
    issueDate: "2027-01-01",
    dueDate: "2027-01-15",
    currency: "EUR",
    netAmount: 4000,
    taxAmount: 760,
    grossAmount: 4760,
    amountPaid: 4760,
    pdfPath: null,
    ...overrides,
  };
}

export const appliedUpgrade: ChangeResult = {
  change: {
    id: "chg_new1",
    status: "applied",
    effectiveDate: "2027-01-11",
    kind: "upgrade",
    settlement: "interim_invoice",
  },
  preview: upgradePreview,
  invoice: invoice(7, {
    id: "inv_zr1",
    number: "ZR-2027-000001",
    kind: "interim",
    status: "open",
    issueDate: "2027-01-11",
    dueDate: "2027-01-25",
    netAmount: 2033,
    taxAmount: 386,
    grossAmount: 2419,
    amountPaid: 0,
  }),
};

export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** Resolve the response only when this promise settles (to observe loading states). */
  gate?: Promise<unknown>;
}

export type Handler = (request: RecordedRequest) => Reply | Promise<Reply>;

export function problem(status: number, code: string, detail?: string): Reply {
  const body: Problem = {
    type: `https://tarif.test/problems/${code}`,
    title: code,
    status,
    code,
    ...(detail ? { detail } : {}),
  };
  return { status, body };
}

/** Default answers of a healthy portal API; a test overrides single routes by "METHOD /path". */
export function defaultRoutes(): Record<string, Handler> {
  return {
    "GET /portal/v1/contracts": () => ({ body: overview() }),
    "POST /portal/v1/contracts/ctr_basic1/changes/preview": () => ({ body: upgradePreview }),
    "POST /portal/v1/contracts/ctr_basic1/changes": () => ({ status: 201, body: appliedUpgrade }),
    "DELETE /portal/v1/contracts/ctr_basic1/changes/chg_sched1": () => ({
      body: { id: "chg_sched1", status: "cancelled" },
    }),
    "POST /portal/v1/contracts/ctr_basic1/cancel": (request) => {
      const endDate = (request.body as { endDate?: string }).endDate ?? "2027-03-31";
      return {
        body: {
          id: "ctr_basic1",
          status: "cancellation_pending",
          endDate,
          earliestEndDate: "2027-03-31",
        },
      };
    },
    "GET /portal/v1/invoices": () => ({
      body: {
        data: [invoice(2), invoice(1, { issueDate: "2026-12-01", dueDate: "2026-12-15" })],
        nextCursor: null,
      },
    }),
  };
}

export interface FakePortal {
  requests: RecordedRequest[];
  routes: Record<string, Handler>;
  /** Requests to one route, e.g. `calls("POST /portal/v1/contracts/ctr_basic1/changes")`. */
  calls(route: string): RecordedRequest[];
}

/**
 * Replaces fetch for API_BASE only; everything else (Vite's own requests) goes through, except
 * hosts under `.invalid` (RFC 2606: never resolvable), which fail as a browser's fetch fails
 * without a network — at once, rather than after however long this machine's resolver takes.
 */
export function installFakePortal(overrides: Record<string, Handler> = {}): FakePortal {
  const routes = { ...defaultRoutes(), ...overrides };
  const requests: RecordedRequest[] = [];
  const realFetch = globalThis.fetch.bind(globalThis);
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname.endsWith(".invalid")) throw new TypeError("Failed to fetch");
    if (url.origin !== API_BASE) return realFetch(input, init);
    const recorded: RecordedRequest = {
      method: init?.method ?? "GET",
      path: url.pathname,
      search: url.search,
      headers: new Headers(init?.headers),
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    };
    requests.push(recorded);
    const handler = routes[`${recorded.method} ${recorded.path}`];
    const reply = handler ? await handler(recorded) : problem(404, "not_found");
    if (reply.gate) await reply.gate;
    const status = reply.status ?? 200;
    const type = status >= 400 ? "application/problem+json" : "application/json";
    return new Response(JSON.stringify(reply.body ?? {}), {
      status,
      headers: { "content-type": type },
    });
  };
  vi.stubGlobal("fetch", fake);
  return {
    requests,
    routes,
    calls: (route) => requests.filter((request) => `${request.method} ${request.path}` === route),
  };
}

export interface MountOptions {
  locale?: string;
  contractId?: string;
  sessionToken?: string | null;
  fetchSession?: () => Promise<string>;
}

export async function mount(options: MountOptions = {}): Promise<SelfservicePortal> {
  const element = document.createElement("selfservice-portal");
  element.setAttribute("api-base", API_BASE);
  if (options.sessionToken !== null)
    element.setAttribute("session-token", options.sessionToken ?? "pst_valid");
  if (options.locale) element.setAttribute("locale", options.locale);
  if (options.contractId) element.setAttribute("contract-id", options.contractId);
  if (options.fetchSession) element.fetchSession = options.fetchSession;
  document.body.append(element);
  await element.updateComplete;
  return element;
}

export function shadow(element: SelfservicePortal): ShadowRoot {
  return element.shadowRoot!;
}

/** Polls until `probe` returns something truthy (rendering follows fetches asynchronously). */
export async function waitFor<T>(
  probe: () => T | null | undefined | false,
  timeout = 2000,
): Promise<T> {
  const start = performance.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() - start > timeout)
      throw new Error(`waitFor timed out: ${probe.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a reader sees: rendered text (cells and blocks apart), whitespace and NBSP collapsed. */
export function text(node: Element | ShadowRoot | null | undefined): string {
  const raw = node instanceof HTMLElement ? node.innerText : (node?.textContent ?? "");
  return raw.replace(/\s+/g, " ").trim();
}

/** The button (or other element) whose text contains `label`, inside the widget's shadow root. */
export function byText<E extends Element = HTMLButtonElement>(
  element: SelfservicePortal,
  selector: string,
  label: string,
): E | undefined {
  return [...shadow(element).querySelectorAll<E>(selector)].find((candidate) =>
    text(candidate).includes(label),
  );
}

export async function waitForText(
  element: SelfservicePortal,
  selector: string,
  label: string,
): Promise<HTMLElement> {
  return waitFor(() => byText<HTMLElement>(element, selector, label));
}

export function cleanup(): void {
  document.body.replaceChildren();
  vi.unstubAllGlobals();
}
