// Browser-test fixtures for the back office: a stubbed fetch answering the merchant API under
// https://tarif.test with small realistic data, recording every request (method, path, body and
// the CSRF header), and helpers to mount a screen or the whole app.
import { vi } from "vitest";
import "../../../app/src/define.js";
import { Api, type Role } from "../../../app/src/api.js";
import { messages, type Locale } from "../../../app/src/i18n.js";
import type { Screen } from "../../../app/src/screen.js";
import type {
  Article,
  BankTransaction,
  CompanySettings,
  Contract,
  ContractTemplate,
  Customer,
  DunningSettings,
  DunningStep,
  Invoice,
  TemplateGroup,
} from "../../../app/src/types.js";

export const API_BASE = "https://tarif.test";
export const CSRF = "csrf-token-of-the-session";

export interface Recorded {
  method: string;
  path: string;
  search: string;
  csrf: string | null;
  body: unknown;
}

export type Reply = { status?: number; body?: unknown };
export type Handler = (request: Recorded) => Reply;

export const session = (role: Role = "owner") => ({
  user: { id: "usr_1", email: "owner@example.com", role },
  merchant: { id: "mer_1", name: "Stadtwerke Test" },
  csrfToken: CSRF,
  expiresAt: "2027-01-01T12:00:00Z",
});

export const problem = (status: number, code: string, detail = code): Reply => ({
  status,
  body: { status, code, detail, title: code },
});

const page = <T>(data: T[]) => ({ body: { data, nextCursor: null } });

const CREATED_AT = "2026-06-01T09:00:00.000Z";

function article(id: string, kind: Article["kind"], name: string, unitAmount: number): Article {
  return { id, kind, name, unitAmount, currency: "EUR", taxRate: 1900, createdAt: CREATED_AT };
}

export const articles: Article[] = [
  article("art_basic", "plan", "Basic", 990),
  article("art_pro", "plan", "Pro", 2990),
  article("art_support", "addon", "Support", 490),
];
export const groups: TemplateGroup[] = [
  { id: "tgr_cloud", name: "Cloud", createdAt: CREATED_AT },
  { id: "tgr_new", name: "Neu", createdAt: CREATED_AT },
];
const template = (id: string, name: string, planArticleId: string): ContractTemplate => ({
  id,
  name,
  templateGroupId: "tgr_cloud",
  planArticleId,
  billingInterval: "month",
  minimumTermMonths: 12,
  noticePeriodDays: 30,
  allowedAddonArticleIds: ["art_support"],
  changePoints: [{ type: "immediately" }, { type: "next_period" }],
  downgradeTiming: "next_period",
  createdAt: CREATED_AT,
  updatedAt: null,
});
export const templates = [
  template("tpl_basic", "Basic", "art_basic"),
  template("tpl_pro", "Pro", "art_pro"),
  template("tpl_biz", "Business", "art_pro"),
];

export const customer = (n: number): Customer => ({
  id: `cus_${n}`,
  name: `Kundin ${n}`,
  email: `kundin${n}@example.com`,
  externalRef: `K-${n}`,
  locale: "de",
  mandateReference: null,
  iban: null,
  kind: "consumer",
  billingAddress: {
    line1: `Hauptstr. ${n}`,
    line2: null,
    postalCode: "80331",
    city: "München",
    country: "DE",
  },
  vatId: null,
  buyerReference: null,
  createdAt: CREATED_AT,
  updatedAt: null,
});

export const contract: Contract = {
  id: "ctr_1",
  customerId: "cus_1",
  templateId: "tpl_basic",
  status: "active",
  startDate: "2026-06-01",
  billingInterval: "month",
  billingAnchor: "2026-06-01",
  currentPeriod: { start: "2026-12-01", end: "2027-01-01" },
  nextBillingDate: "2027-01-01",
  endDate: null,
  offeredTemplateIds: [],
  version: 3,
  recurringNetAmount: 990,
  items: [
    {
      id: "itm_1",
      articleId: "art_basic",
      kind: "plan",
      name: "Basic",
      quantity: 1,
      unitAmount: 990,
      taxRate: 1900,
      periodAmount: 990,
      startedOn: "2026-06-01",
    },
  ],
  createdAt: CREATED_AT,
};

export const invoice = (id: string, overrides: Partial<Invoice> = {}): Invoice => ({
  id,
  number: `RE-2026-${id.slice(4)}`,
  kind: "regular",
  status: "open",
  customerId: "cus_1",
  contractId: "ctr_1",
  issueDate: "2026-12-01",
  dueDate: "2026-12-15",
  currency: "EUR",
  netAmount: 3000,
  taxAmount: 570,
  grossAmount: 3570,
  amountPaid: 0,
  openAmount: 3570,
  paymentReference: `TRF-${id.slice(4).toUpperCase()}`,
  periodStart: "2026-12-01",
  periodEnd: "2027-01-01",
  originalInvoiceId: null,
  changeId: null,
  taxBreakdown: [{ taxRate: 1900, netAmount: 3000, taxAmount: 570 }],
  createdAt: "2026-12-01T03:15:00.000Z",
  documents: { pdf: `/api/v1/invoices/${id}/pdf`, xml: `/api/v1/invoices/${id}/xml` },
  lines: [
    {
      id: `lin_${id.slice(4)}`,
      position: 1,
      description: "Basic Dezember",
      articleId: "art_basic",
      itemId: "itm_1",
      quantity: 1,
      unitAmount: 3000,
      periodStart: "2026-12-01",
      periodEnd: "2027-01-01",
      netAmount: 3000,
      taxRate: 1900,
    },
  ],
  payments: [],
  returns: [],
  creditApplied: 0,
  dunningLevel: null,
  dunningHistory: [],
  ...overrides,
});

/** A dunning level an invoice reached, as its answer lists it (no fee or interest unless given). */
export const dunningStep = (
  level: string,
  reachedOn: string,
  overrides: Partial<DunningStep> = {},
): DunningStep => ({
  level,
  reachedOn,
  fee: 0,
  openAmount: 3570,
  interest: 0,
  flatFee: 0,
  total: 3570,
  ...overrides,
});

/** A payment of an invoice as the invoice's answer lists it. */
export const payment = (
  id: string,
  amount: number,
  overrides: Partial<Invoice["payments"][number]> = {},
): Invoice["payments"][number] => ({
  id,
  date: "2026-12-03",
  amount,
  currency: "EUR",
  rule: "manual",
  bankTransactionId: "btx_1",
  collectionItemId: null,
  bookedAt: "2026-12-03T10:00:00.000Z",
  reversed: false,
  reversedAt: null,
  reversal: null,
  ...overrides,
});

export const reviewLine = (id: string, candidates: string[]): BankTransaction => ({
  id,
  finapiId: 1,
  bankConnectionId: "bcn_1",
  accountId: 1,
  amount: 3570,
  currency: "EUR",
  bookingDate: "2026-12-03",
  valueDate: "2026-12-03",
  purpose: "Strom fuer Oma",
  bookingText: "GUTSCHRIFT",
  counterpartName: "Oma Erna",
  counterpartIban: null,
  counterpartBic: null,
  counterpartMandateReference: null,
  counterpartCreditorId: null,
  endToEndReference: null,
  typeCodeZka: "166",
  typeCodeSwift: null,
  bankTransactionCode: null,
  originalAmount: null,
  compensationAmount: null,
  status: "review",
  statusReason: null,
  matchedRule: null,
  invoiceIds: [],
  allocations: [],
  customerCredit: null,
  ignoredAmount: null,
  return: null,
  review: {
    reason: "ambiguous",
    candidates: candidates.map((invoiceId, i) => ({ invoiceId, score: 90 - i * 10, reasons: [] })),
  },
  rawExcerpt: null,
  importedAt: "2026-12-03T10:00:00.000Z",
  updatedAt: null,
});

export const company: CompanySettings = {
  configured: true,
  missingForInvoices: [],
  legalName: "Stadtwerke Test GmbH",
  address: {
    line1: "Hauptstr. 1",
    line2: null,
    postalCode: "80331",
    city: "München",
    country: "DE",
  },
  vatId: "DE123456789",
  taxNumber: null,
  email: "rechnung@stadtwerke.example",
  phone: null,
  registerEntry: "Amtsgericht München HRB 12345",
  managingDirectors: "Erika Muster",
  smallBusiness: false,
  iban: null,
  bic: null,
  logo: null,
};

export const dunning: DunningSettings = {
  passOnReturnFee: true,
  handlingFee: 350,
  representDebits: true,
  reminderDays: [7, 14, 21],
  levelFees: [0, 500, 1000],
  defaultInterest: true,
  b2bFlatFee: false,
  baseRates: [{ validFrom: "2026-07-01", rateBp: 127 }],
};

export function defaultRoutes(): Record<string, Handler> {
  return {
    "GET /api/v1/auth/session": () => ({ body: session() }),
    "GET /api/v1/settings/customer-center": () => ({
      body: {
        portalEnabled: true,
        allowedActions: ["switch_up", "cancel"],
        prorationMode: "interim_invoice",
        allowedOrigins: ["https://shop.example.com"],
      },
    }),
    "GET /api/v1/articles": () => page(articles),
    "GET /api/v1/template-groups": () => page(groups),
    "GET /api/v1/contract-templates": () => page(templates),
    "GET /api/v1/customers": () => page([customer(1), customer(2)]),
    "GET /api/v1/customers/cus_1": () => ({ body: customer(1) }),
    "GET /api/v1/contracts": () => page([contract]),
    "GET /api/v1/contracts/ctr_1": () => ({ body: contract }),
    "GET /api/v1/contracts/ctr_1/changes": () =>
      page([
        {
          id: "chg_1",
          status: "scheduled",
          type: "switch_template",
          kind: "downgrade",
          effectiveDate: "2027-01-01",
        },
      ]),
    "GET /api/v1/invoices": (r) => {
      const all = [invoice("inv_1"), invoice("inv_2", { status: "paid", amountPaid: 3570 })];
      const ids = new URLSearchParams(r.search).get("ids")?.split(",");
      return page(ids ? all.filter((i) => ids.includes(i.id)) : all);
    },
    "GET /api/v1/invoices/inv_1": () => ({
      body: invoice("inv_1", {
        dunningLevel: "reminder",
        dunningHistory: [dunningStep("reminder", "2026-12-22")],
      }),
    }),
    "GET /api/v1/invoices/inv_2": () => ({ body: invoice("inv_2") }),
    "GET /api/v1/bank-transactions": (r) =>
      r.search.includes("status=return")
        ? page([])
        : page([reviewLine("btx_1", ["inv_1", "inv_2"]), reviewLine("btx_2", ["inv_2"])]),
    "GET /api/v1/webhook-endpoints": () => page([{ id: "whe_1", status: "disabled" }]),
    "GET /api/v1/webhook-events": () =>
      page([{ id: "evt_1", type: "invoice.paid", createdAt: "2026-12-03T09:00:00Z" }]),
    "GET /api/v1/webhook-events/evt_1": () => ({
      body: {
        id: "evt_1",
        type: "invoice.paid",
        createdAt: "2026-12-03T09:00:00Z",
        attempts: [
          { id: "wat_1", attemptedAt: "2026-12-03T09:00:05Z", responseStatus: 500, error: null },
        ],
      },
    }),
    "GET /api/v1/settings/company": () => ({ body: company }),
    "GET /api/v1/settings/dunning": () => ({ body: dunning }),
    "GET /api/v1/settings/emails": () => ({
      body: {
        kinds: {
          invoice_issued: true,
          change_confirmed: true,
          cancellation_confirmed: true,
          debit_returned: true,
          dunning_level_reached: false,
        },
      },
    }),
    "GET /api/v1/settings/creditor": () => ({
      body: {
        creditorName: "Stadtwerke Test",
        iban: "DE89…3000",
        bic: null,
        creditorId: "DE98ZZZ09999999999",
      },
    }),
    "GET /api/v1/collection-runs": () =>
      page([
        {
          id: "col_1",
          status: "open",
          collectionDate: "2026-12-08",
          numberOfTransactions: 1,
          controlSum: 3570,
          currency: "EUR",
        },
      ]),
    "GET /api/v1/collection-runs/col_1": () => ({
      body: {
        id: "col_1",
        status: "open",
        collectionDate: "2026-12-08",
        numberOfTransactions: 1,
        controlSum: 3570,
        currency: "EUR",
        items: [
          {
            id: "cit_1",
            invoiceNumber: "RE-2026-1",
            amount: 3570,
            mandateReference: "M-1",
            status: "pending",
          },
        ],
      },
    }),
    "GET /api/v1/finapi/settings": () => ({
      body: { clientId: "client", environment: "sandbox", user: { id: "fu_1" } },
    }),
    "GET /api/v1/finapi/bank-connections": () =>
      page([
        {
          id: "bcn_1",
          status: "active",
          bankName: "Sparkasse Test",
          url: null,
          accounts: [{ id: 1, iban: "DE89…3000", name: "Giro" }],
          error: null,
          sync: {
            status: "failed",
            lastSyncAt: "2026-12-03T08:00:00Z",
            consecutiveFailures: 2,
            error: { code: "WEB_FORM_REQUIRED", message: "Consent expired" },
          },
        },
      ]),
  };
}

export interface FakeApi {
  requests: Recorded[];
  routes: Record<string, Handler>;
  calls(route: string): Recorded[];
}

export function installFakeApi(overrides: Record<string, Handler> = {}): FakeApi {
  const routes = { ...defaultRoutes(), ...overrides };
  const requests: Recorded[] = [];
  const realFetch = globalThis.fetch.bind(globalThis);
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== API_BASE) return realFetch(input, init);
    const headers = new Headers(init?.headers);
    const recorded: Recorded = {
      method: init?.method ?? "GET",
      path: url.pathname,
      search: url.search,
      csrf: headers.get("x-csrf-token"),
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    };
    requests.push(recorded);
    const handler = routes[`${recorded.method} ${recorded.path}`];
    const reply = handler ? handler(recorded) : problem(404, "not_found");
    const status = reply.status ?? 200;
    if (status === 204) return new Response(null, { status });
    return new Response(JSON.stringify(reply.body ?? {}), {
      status,
      headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" },
    });
  });
  return {
    requests,
    routes,
    calls: (route) => requests.filter((r) => `${r.method} ${r.path}` === route),
  };
}

/** Mounts one screen as the app would: signed in, with the session's CSRF token. */
export async function mountScreen<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { role?: Role; locale?: Locale; attributes?: Record<string, string> } = {},
): Promise<HTMLElementTagNameMap[K]> {
  const element = document.createElement(tag) as HTMLElementTagNameMap[K] & Screen;
  const api = new Api(API_BASE);
  api.csrfToken = CSRF;
  element.api = api;
  element.t = messages[options.locale ?? "de"];
  element.locale = options.locale ?? "de";
  element.userRole = options.role ?? "owner";
  for (const [name, value] of Object.entries(options.attributes ?? {}))
    element.setAttribute(name, value);
  document.body.append(element);
  await element.updateComplete;
  return element;
}

export async function mountApp(): Promise<HTMLElementTagNameMap["tarif-app"]> {
  const element = document.createElement("tarif-app");
  element.setAttribute("api-base", API_BASE);
  document.body.append(element);
  await element.updateComplete;
  return element;
}

export async function waitFor<T>(
  probe: () => T | null | undefined | false,
  timeout = 3000,
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

export function root(element: Element): ShadowRoot {
  return element.shadowRoot!;
}

export function text(node: Element | ShadowRoot | null | undefined): string {
  const raw = node instanceof HTMLElement ? node.innerText : (node?.textContent ?? "");
  return raw.replace(/\s+/g, " ").trim();
}

/** The element under `selector` in the screen's shadow root whose text contains `label`. */
export function byText<E extends HTMLElement = HTMLButtonElement>(
  element: Element,
  selector: string,
  label: string,
): E | undefined {
  return [...root(element).querySelectorAll<E>(selector)].find((c) => text(c).includes(label));
}

export function cleanup(): void {
  document.body.replaceChildren();
  location.hash = "";
  vi.unstubAllGlobals();
}
