// The VAT treatment of an invoice: domestic rates of the seller's country (DE 19/7 %, AT
// 20/13/10 %), reverse charge for EU business customers with a foreign VAT ID (category AE),
// small businesses under § 19 UStG (category E) — and each line's EN 16931 category from it.
import { DomainError } from "./errors.ts";
import { isEuCountry, isValidVatId, normalizeVatId, vatIdCountry } from "./company.ts";
import type { TaxRateBp } from "./money.ts";

export type TaxTreatment = "domestic" | "reverse_charge" | "small_business";

/** UNCL 5305 as EN 16931 uses it: standard, zero rated, exempt, intra-community reverse charge. */
export type TaxCategory = "S" | "Z" | "E" | "AE";

/** The rates a seller established in the country may charge; 0 is zero rated (DE § 12 (3)). */
export const DOMESTIC_RATES: Readonly<Record<string, readonly TaxRateBp[]>> = {
  DE: [1900, 700, 0],
  AT: [2000, 1300, 1000, 0],
};

export type TaxRuleCode =
  "seller_country_unsupported" | "tax_rate_not_allowed" | "seller_vat_id_required";

export class TaxRuleError extends DomainError {
  override readonly name = "TaxRuleError";
  override readonly code: TaxRuleCode;

  constructor(
    code: TaxRuleCode,
    message: string,
    readonly field: string,
  ) {
    super(code, message, [{ field, message }]);
    this.code = code;
  }
}

export interface TaxSeller {
  country: string;
  vatId: string | null;
  smallBusiness: boolean;
}

export interface TaxBuyer {
  kind: "consumer" | "business";
  country: string;
  vatId: string | null;
}

export interface TaxDecision {
  treatment: TaxTreatment;
  /** The reason printed and sent as BT-120 when no VAT is charged; null for domestic VAT. */
  exemptionReason: { de: string; en: string } | null;
  /** VATEX code (BT-121) for the exemption, where EN 16931 defines one. */
  exemptionCode: string | null;
}

const SMALL_BUSINESS_REASON: Record<string, { de: string; en: string }> = {
  DE: {
    de: "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet (Kleinunternehmerregelung).",
    en: "No VAT is charged under the small business scheme (§ 19 UStG).",
  },
  AT: {
    de: "Umsatzsteuerbefreit – Kleinunternehmer gemäß § 6 Abs. 1 Z 27 UStG.",
    en: "VAT exempt: small business under § 6 (1) Z 27 UStG.",
  },
};

const REVERSE_CHARGE_REASON = {
  de: "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, Art. 196 MwStSystRL).",
  en: "Reverse charge: VAT is owed by the recipient (Art. 196 VAT Directive).",
};

/** Whether the buyer takes over the VAT: an EU business in another member state, with its VAT ID. */
function isReverseCharge(seller: TaxSeller, buyer: TaxBuyer): boolean {
  if (buyer.kind !== "business" || buyer.vatId === null) return false;
  if (!isValidVatId(buyer.vatId)) return false;
  const buyerState = vatIdCountry(normalizeVatId(buyer.vatId));
  return buyerState !== null && buyerState !== seller.country && isEuCountry(buyer.country);
}

/**
 * The treatment of one invoice from the parties alone: the small-business rule wins (such a
 * seller never charges VAT, not even by reverse charge), then reverse charge for EU business
 * customers abroad, otherwise the seller's domestic VAT. Sales to consumers in other member
 * states are taxed like domestic ones (below the EU-wide € 10 000 threshold of § 3a (5) UStG).
 */
export function decideTax(seller: TaxSeller, buyer: TaxBuyer): TaxDecision {
  if (!DOMESTIC_RATES[seller.country]) {
    throw new TaxRuleError(
      "seller_country_unsupported",
      `Tarif issues invoices for sellers in DE and AT, not ${seller.country}`,
      "address.country",
    );
  }
  if (seller.smallBusiness) {
    const reason = SMALL_BUSINESS_REASON[seller.country] ?? null;
    return { treatment: "small_business", exemptionReason: reason, exemptionCode: null };
  }
  if (isReverseCharge(seller, buyer)) {
    if (seller.vatId === null) {
      throw new TaxRuleError(
        "seller_vat_id_required",
        "a reverse-charge invoice must show the seller's VAT ID",
        "vatId",
      );
    }
    return {
      treatment: "reverse_charge",
      exemptionReason: REVERSE_CHARGE_REASON,
      exemptionCode: "VATEX-EU-AE",
    };
  }
  return { treatment: "domestic", exemptionReason: null, exemptionCode: null };
}

/** The rate actually charged on a line whose article carries `articleRate`. */
export function chargedRate(
  decision: TaxDecision,
  sellerCountry: string,
  articleRate: TaxRateBp,
  field: string,
): TaxRateBp {
  if (decision.treatment !== "domestic") return 0;
  const allowed = DOMESTIC_RATES[sellerCountry] ?? [];
  if (!allowed.includes(articleRate)) {
    throw new TaxRuleError(
      "tax_rate_not_allowed",
      `${articleRate / 100} % is no VAT rate in ${sellerCountry} (allowed: ${allowed.map((r) => r / 100).join(", ")} %)`,
      field,
    );
  }
  return articleRate;
}

/** The EN 16931 category of a line charged at `rate` under `treatment`. */
export function taxCategory(treatment: TaxTreatment, rate: TaxRateBp): TaxCategory {
  if (treatment === "reverse_charge") return "AE";
  if (treatment === "small_business") return "E";
  return rate === 0 ? "Z" : "S";
}
