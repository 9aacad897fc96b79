// Registers the back office's elements, guarded so a second copy of the bundle does not throw.
import { TarifCatalogue } from "./screens/catalogue.js";
import { TarifCompany } from "./screens/company.js";
import { TarifDunning } from "./screens/dunning.js";
import { TarifEmails } from "./screens/emails.js";
import { TarifContract } from "./screens/contract.js";
import { TarifCustomers } from "./screens/customers.js";
import { TarifInvoices } from "./screens/invoices.js";
import { TarifPayments } from "./screens/payments.js";
import { TarifSepa } from "./screens/sepa.js";
import { TarifSettings } from "./screens/settings.js";
import { TarifStart } from "./screens/start.js";
import { TarifWebhooks } from "./screens/webhooks.js";
import { TarifApp } from "./tarif-app.js";

const ELEMENTS = {
  "tarif-app": TarifApp,
  "tarif-start": TarifStart,
  "tarif-settings": TarifSettings,
  "tarif-company": TarifCompany,
  "tarif-dunning": TarifDunning,
  "tarif-emails": TarifEmails,
  "tarif-catalogue": TarifCatalogue,
  "tarif-customers": TarifCustomers,
  "tarif-contract": TarifContract,
  "tarif-invoices": TarifInvoices,
  "tarif-payments": TarifPayments,
  "tarif-sepa": TarifSepa,
  "tarif-webhooks": TarifWebhooks,
} as const;

for (const [tag, element] of Object.entries(ELEMENTS))
  if (!customElements.get(tag)) customElements.define(tag, element);

declare global {
  interface HTMLElementTagNameMap {
    "tarif-app": TarifApp;
    "tarif-start": TarifStart;
    "tarif-settings": TarifSettings;
    "tarif-company": TarifCompany;
    "tarif-dunning": TarifDunning;
    "tarif-emails": TarifEmails;
    "tarif-catalogue": TarifCatalogue;
    "tarif-customers": TarifCustomers;
    "tarif-contract": TarifContract;
    "tarif-invoices": TarifInvoices;
    "tarif-payments": TarifPayments;
    "tarif-sepa": TarifSepa;
    "tarif-webhooks": TarifWebhooks;
  }
}
