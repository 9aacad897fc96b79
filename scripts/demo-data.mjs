// The demo merchant of `npm run dev` (and of the HTTP benchmarks): a fixed, documented,
// development-only API key, a template group with three tariffs, two add-ons, customers and
// running contracts. Seeding goes through the merchant API and skips what already exists, so
// running it again changes nothing.
import { createHash } from "node:crypto";

export const DEMO_MERCHANT_ID = "mer_demo00000000000000000000";
/** Development only: this key is public in the README and never exists in production. */
export const DEMO_API_KEY = "sk_dev_demo_key_not_for_production";

/** Development only: the demo merchant's back-office owner, printed by `npm run dev`. */
export const DEMO_OWNER = { email: "owner@demo.tarif.dev", password: "demo-owner-password" };

/** SQL that creates the demo merchant and its key if they are missing. */
export function demoMerchantSql() {
  const hash = createHash("sha256").update(DEMO_API_KEY).digest("hex");
  const actions = JSON.stringify([
    "switch_up",
    "switch_down",
    "add_addon",
    "remove_item",
    "change_quantity",
    "cancel",
  ]);
  const origins = JSON.stringify(["http://localhost:8787"]);
  return [
    `INSERT OR IGNORE INTO merchants (id, name, time_zone, allowed_actions, allowed_origins) VALUES ('${DEMO_MERCHANT_ID}', 'Stadtwerke Musterstadt (Demo)', 'Europe/Berlin', '${actions}', '${origins}');`,
    `INSERT OR IGNORE INTO api_keys (id, merchant_id, key_hash, key_prefix) VALUES ('key_demo00000000000000000000', '${DEMO_MERCHANT_ID}', '${hash}', 'sk_dev_');`,
  ].join("\n");
}

const TARIFFS = [
  { name: "Basic", unitAmount: 990 },
  { name: "Pro", unitAmount: 2990 },
  { name: "Business", unitAmount: 5990 },
];
const ADDONS = [
  { name: "Extra-Speicher 100 GB", unitAmount: 299 },
  { name: "Premium-Support", unitAmount: 490 },
];
const CUSTOMERS = [
  {
    externalRef: "demo-1",
    name: "Erika Mustermann",
    email: "erika@example.com",
    billingAddress: { line1: "Gartenweg 5", postalCode: "10115", city: "Berlin", country: "DE" },
    tariff: "Pro",
    startMonthsAgo: 7,
    addons: ["Premium-Support"],
  },
  {
    externalRef: "demo-2",
    name: "Max Müller",
    email: "max@example.com",
    billingAddress: { line1: "Lindenallee 12", postalCode: "50667", city: "Köln", country: "DE" },
    tariff: "Basic",
    startMonthsAgo: 2,
    addons: [],
  },
  {
    externalRef: "demo-3",
    name: "Jana Schmidt",
    email: "jana@example.com",
    kind: "business",
    vatId: "ATU12345678",
    billingAddress: { line1: "Ringstraße 10", postalCode: "1010", city: "Wien", country: "AT" },
    tariff: "Business",
    startMonthsAgo: 14,
    addons: ["Extra-Speicher 100 GB"],
  },
];

/** The demo merchant as seller: every invoice shows these (§ 14 UStG); PUT is idempotent. */
const COMPANY = {
  legalName: "Stadtwerke Musterstadt GmbH",
  address: { line1: "Rathausplatz 1", postalCode: "80331", city: "München", country: "DE" },
  vatId: "DE123456789",
  taxNumber: "143/123/45678",
  email: "rechnung@stadtwerke-musterstadt.example",
  phone: "+49 89 1234560",
  registerEntry: "Amtsgericht München HRB 12345",
  managingDirectors: "Erika Beispiel",
  iban: "DE89370400440532013000",
  bic: "COBADEFFXXX",
};

export async function seedDemoData(baseUrl, apiKey = DEMO_API_KEY) {
  const api = async (path, body, method) => {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method: method ?? (body ? "POST" : "GET"),
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const payload = await response.json();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(payload)}`);
    return payload;
  };
  const all = async (path) => {
    const rows = [];
    let cursor = null;
    do {
      const page = await api(
        `${path}${path.includes("?") ? "&" : "?"}limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      );
      rows.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    return rows;
  };
  const ensure = async (existing, match, create) => existing.find(match) ?? (await create());

  const owner = await ensure(
    await all("/users"),
    (u) => u.email === DEMO_OWNER.email,
    () => api("/users", { ...DEMO_OWNER, role: "owner" }),
  );

  await api("/settings/company", COMPANY, "PUT");

  const articles = await all("/articles");
  const addons = {};
  for (const addon of ADDONS) {
    addons[addon.name] = await ensure(
      articles,
      (a) => a.name === addon.name,
      () => api("/articles", { kind: "addon", taxRate: 1900, ...addon }),
    );
  }
  const group = await ensure(
    await all("/template-groups"),
    (g) => g.name === "Cloud-Speicher",
    () => api("/template-groups", { name: "Cloud-Speicher" }),
  );
  const templates = await all("/contract-templates");
  const tariffs = {};
  for (const tariff of TARIFFS) {
    tariffs[tariff.name] = await ensure(
      templates,
      (t) => t.name === tariff.name,
      async () => {
        const plan = await ensure(
          articles,
          (a) => a.name === tariff.name,
          () => api("/articles", { kind: "plan", taxRate: 1900, ...tariff }),
        );
        return api("/contract-templates", {
          name: tariff.name,
          templateGroupId: group.id,
          planArticleId: plan.id,
          billingInterval: "month",
          minimumTermMonths: 12,
          noticePeriodDays: 30,
          allowedAddonArticleIds: Object.values(addons).map((a) => a.id),
          changePoints: [
            { type: "immediately" },
            { type: "next_period" },
            { type: "next_month" },
            { type: "custom", minLeadDays: 3, maxHorizonDays: 90 },
          ],
        });
      },
    );
  }
  const contracts = [];
  for (const customer of CUSTOMERS) {
    const { tariff, startMonthsAgo, addons: addonNames, ...fields } = customer;
    const existing = (await api(`/customers?externalRef=${customer.externalRef}`)).data[0];
    const record = existing ?? (await api("/customers", fields));
    const current = (await api(`/contracts?customerId=${record.id}`)).data[0];
    contracts.push(
      current ??
        (await api("/contracts", {
          customerId: record.id,
          templateId: tariffs[tariff].id,
          startDate: monthsAgo(startMonthsAgo),
          addons: addonNames.map((name) => ({ articleId: addons[name].id, quantity: 1 })),
        })),
    );
  }
  return { groupId: group.id, tariffs, addons, contracts, owner };
}

function monthsAgo(months) {
  const date = new Date();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() - months);
  return date.toISOString().slice(0, 10);
}
