// Hash routes of the back office (`/app/#/customers/cus_…`), so the Worker serves one static
// page and every screen has an address that survives a reload and the back button.

export type Route =
  | { name: "start" }
  | { name: "settings"; section?: SettingsSection }
  | { name: "catalogue" }
  | { name: "customers" }
  | { name: "contract"; id: string }
  | { name: "invoices"; id?: string }
  | { name: "payments" }
  | { name: "sepa" }
  | { name: "webhooks" };

/** Settings → Kundencenter (no section), → Firmendaten, → Mahnwesen, → E-Mails. */
export const SETTINGS_SECTIONS = ["company", "dunning", "emails"] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];

export const NAV_ROUTES = [
  "start",
  "settings",
  "catalogue",
  "customers",
  "invoices",
  "payments",
  "sepa",
  "webhooks",
] as const;

export function parseRoute(hash: string): Route {
  const [name, id] = hash.replace(/^#\/?/, "").split("/");
  switch (name) {
    case "settings":
      return (SETTINGS_SECTIONS as readonly string[]).includes(id ?? "")
        ? { name, section: id as SettingsSection }
        : { name };
    case "catalogue":
    case "customers":
    case "payments":
    case "sepa":
    case "webhooks":
      return { name };
    case "contracts":
      return id ? { name: "contract", id } : { name: "customers" };
    case "invoices":
      return id ? { name: "invoices", id } : { name: "invoices" };
    default:
      return { name: "start" };
  }
}

export function href(route: Route): string {
  if (route.name === "contract") return `#/contracts/${route.id}`;
  if (route.name === "settings" && route.section) return `#/settings/${route.section}`;
  if (route.name === "invoices" && route.id) return `#/invoices/${route.id}`;
  return `#/${route.name}`;
}
