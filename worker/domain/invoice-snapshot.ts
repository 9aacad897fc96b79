// What is frozen on an invoice when it is issued: the seller and buyer as they are today, the
// tax decision between them and how the invoice gets paid. Issuing is refused, naming every
// missing field, when either party lacks what § 14 (4) UStG and XRechnung require.
import { DomainError } from "./errors.ts";
import { missingCompanyFields, type CompanySettings, type PostalAddress } from "./company.ts";
import type { InvoiceKind, InvoiceLineInput } from "./invoice.ts";
import type { DocumentLocale, DocumentPayment, DocumentSnapshot } from "./invoice-document.ts";
import { chargedRate, decideTax } from "./tax-decision.ts";

export interface InvoiceCustomer {
  id: string;
  name: string;
  kind: "consumer" | "business";
  billingAddress: PostalAddress | null;
  vatId: string | null;
  buyerReference: string | null;
  email: string | null;
  locale: string;
}

export interface InvoiceParties {
  company: CompanySettings | null;
  customer: InvoiceCustomer;
  /** The customer's active mandate with the merchant's creditor id, when the invoice is debited. */
  directDebit: { mandateReference: string; debtorIbanMasked: string; creditorId: string } | null;
}

export type InvoicePartiesCode = "company_settings_incomplete" | "customer_incomplete";

export class InvoicePartiesIncomplete extends DomainError {
  override readonly name = "InvoicePartiesIncomplete";
  override readonly code: InvoicePartiesCode;

  constructor(
    code: InvoicePartiesCode,
    /** Field names as the APIs name them: `company.phone`, `customer.billingAddress`. */
    readonly fields: string[],
  ) {
    const detail =
      code === "company_settings_incomplete"
        ? `The company settings lack ${fields.join(", ")}; complete them with PUT /api/v1/settings/company before invoices can be issued.`
        : `The customer lacks ${fields.join(", ")}; an invoice must name the buyer's address.`;
    super(
      code,
      detail,
      fields.map((field) => ({ field, message: detail })),
    );
    this.code = code;
  }
}

function paymentOf(kind: InvoiceKind, parties: InvoiceParties, company: CompanySettings) {
  if (kind === "credit_note") return { means: "refund" } satisfies DocumentPayment;
  if (parties.directDebit) return { means: "direct_debit", ...parties.directDebit } as const;
  return { means: "transfer", iban: company.iban ?? "", bic: company.bic } as const;
}

/** The snapshot of an invoice about to be issued, or why it cannot be issued. */
export function documentSnapshot(kind: InvoiceKind, parties: InvoiceParties): DocumentSnapshot {
  const missing = missingCompanyFields(parties.company);
  if (missing.length > 0 || parties.company === null) {
    throw new InvoicePartiesIncomplete(
      "company_settings_incomplete",
      missing.map((field) => `company.${field}`),
    );
  }
  const company = parties.company;
  const { customer } = parties;
  if (customer.billingAddress === null)
    throw new InvoicePartiesIncomplete("customer_incomplete", ["customer.billingAddress"]);
  const tax = decideTax(
    {
      country: company.address.country,
      vatId: company.vatId,
      smallBusiness: company.smallBusiness,
    },
    { kind: customer.kind, country: customer.billingAddress.country, vatId: customer.vatId },
  );
  const locale: DocumentLocale = customer.locale === "en" ? "en" : "de";
  return {
    seller: company,
    buyer: {
      id: customer.id,
      name: customer.name,
      kind: customer.kind,
      address: customer.billingAddress,
      vatId: customer.kind === "business" ? customer.vatId : null,
      buyerReference: customer.buyerReference ?? customer.id,
      email: customer.email,
      locale,
    },
    tax,
    payment: paymentOf(kind, parties, company),
    precedingInvoice: null,
  };
}

/** The lines with the rate the tax decision charges (0 % under reverse charge or § 19). */
export function chargedLines<T extends Pick<InvoiceLineInput, "taxRate">>(
  lines: readonly T[],
  snapshot: DocumentSnapshot,
): T[] {
  return lines.map((line, index) => ({
    ...line,
    taxRate: chargedRate(
      snapshot.tax,
      snapshot.seller.address.country,
      line.taxRate,
      `lines[${index}].taxRate`,
    ),
  }));
}
