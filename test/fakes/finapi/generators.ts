// Deterministic test data for the fake finAPI: test banks, valid German IBANs, ordinary incoming
// payments, and returned SEPA direct debits in the shapes banks really send them
// (reference/finapi.md §5 and finapi-samples/mt940-ruecklastschrift-examples.txt).
import { prng } from "../../support/prng.ts";
import type { FakeTransactionInput } from "./state.ts";

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

function digits(random: () => number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String(Math.floor(random() * 10));
  return out;
}

/** ISO 13616 check digits: (BBAN + country letters as digits + "00") mod 97. */
export function iban(country: "DE" | "AT", bban: string): string {
  const letters = [...country].map((letter) => String(letter.charCodeAt(0) - 55)).join("");
  const remainder = BigInt(`${bban}${letters}00`) % 97n;
  return `${country}${String(98n - remainder).padStart(2, "0")}${bban}`;
}

export function germanIban(blz: string, accountNumber: string): string {
  return iban("DE", `${blz}${accountNumber.padStart(10, "0")}`);
}

export type BankingInterface = "WEB_SCRAPER" | "FINTS_SERVER" | "XS2A";

export interface FakeBank {
  id: number;
  name: string;
  bic: string | null;
  blz: string;
  location: "DE" | "AT";
  city: string | null;
  isTestBank: boolean;
  isSupported: boolean;
  interfaces: BankingInterface[];
}

const CITIES = [
  "Berlin",
  "Hamburg",
  "München",
  "Köln",
  "Leipzig",
  "Dresden",
  "Wien",
  "Graz",
  "Linz",
  "Stuttgart",
] as const;
const KINDS = ["Testsparkasse", "Test-Volksbank", "Testbank", "Test-Raiffeisenbank"] as const;

/**
 * finAPI's two demo banks plus `extra` generated test banks (German and Austrian) and one that
 * finAPI does not support, so BANK_NOT_SUPPORTED can be exercised.
 */
export function generateTestBanks(seed: number, extra: number): FakeBank[] {
  const random = prng(seed);
  const banks: FakeBank[] = [
    {
      id: 280001,
      name: "finAPI Test Bank",
      bic: null,
      blz: "00000000",
      location: "DE",
      city: null,
      isTestBank: true,
      isSupported: true,
      interfaces: ["FINTS_SERVER", "WEB_SCRAPER"],
    },
    {
      id: 280002,
      name: "finAPI Test Redirect Bank",
      bic: null,
      blz: "00000000",
      location: "DE",
      city: null,
      isTestBank: true,
      isSupported: true,
      interfaces: ["XS2A"],
    },
  ];
  for (let i = 0; i < extra; i++) {
    const city = pick(random, CITIES);
    const austrian = city === "Wien" || city === "Graz" || city === "Linz";
    banks.push({
      id: 280010 + i,
      name: `${pick(random, KINDS)} ${city}`,
      bic: `TEST${austrian ? "AT" : "DE"}${String.fromCharCode(65 + i)}${digits(random, 1)}XXX`,
      blz: austrian ? digits(random, 5) : `${digits(random, 3)}00000`,
      location: austrian ? "AT" : "DE",
      city,
      isTestBank: true,
      isSupported: true,
      interfaces: ["XS2A"],
    });
  }
  banks.push({
    id: 280099,
    name: "finAPI Unsupported Test Bank",
    bic: null,
    blz: "99999999",
    location: "DE",
    city: null,
    isTestBank: true,
    isSupported: false,
    interfaces: [],
  });
  return banks;
}

const NAMES = [
  "Anna Schmidt",
  "Lukas Müller",
  "Mia Weber",
  "Paul Becker",
  "Emma Hoffmann",
  "Felix Wagner",
  "Lea Schulz",
  "Jonas Koch",
  "Sophie Bauer",
  "Ben Richter",
];

/** Ordinary incoming SEPA credit transfers (GVC 166) with varied amounts and invoice numbers. */
export function generatedIncomingPayments(
  seed: number,
  count: number,
  bookingDate: string,
): FakeTransactionInput[] {
  const random = prng(seed);
  const inputs: FakeTransactionInput[] = [];
  for (let i = 0; i < count; i++) {
    const name = pick(random, NAMES);
    const invoice = `RE-2027-${digits(random, 6)}`;
    inputs.push({
      amountCents: 100 + Math.floor(random() * 250_000),
      bankBookingDate: bookingDate,
      valueDate: bookingDate,
      purpose: `SVWZ+Rechnung ${invoice} EREF+NOTPROVIDED`,
      counterpartName: name,
      counterpartIban: germanIban("10010010", digits(random, 10)),
      counterpartBic: "PBNKDEFFXXX",
      typeCodeZka: "166",
      typeCodeSwift: "NTRF",
      bankTransactionCode: "PMNT-RCDT-ESCT",
      type: "Gutschrift",
      endToEndReference: "NOTPROVIDED",
    });
  }
  return inputs;
}

export type ReturnStyle = "finapi" | "purposeOnly" | "nmsc";

export interface ReturnedDebitInput {
  /** What was collected, positive cents. */
  originalAmountCents: number;
  /** Bank fee the creditor bears, positive cents (default 300). */
  feeCents?: number;
  endToEndReference?: string;
  mandateReference?: string;
  creditorId?: string;
  /** ISO reason, e.g. AM04, MD06 (default AM04). */
  reasonCode?: string;
  /** DK ?34 code, e.g. 906 (default derived for AM04/MD06/AC04, else 914). */
  dkCode?: string;
  invoiceNumber?: string;
  debtorName?: string;
  debtorIban?: string;
  debtorBic?: string;
  collectionDate?: string;
  bookingDate?: string;
  /**
   * finapi: all finAPI fields (GVC 109, NRTI, PMNT-IDDT-UPDD, originalAmount, compensationAmount);
   * purposeOnly: only the booking text says it is a return; nmsc: GVC 109 with NMSC (Sparkasse).
   */
  style?: ReturnStyle;
  importDate?: string;
}

const DK_FOR_ISO: Record<string, string> = {
  AC01: "901",
  AC04: "902",
  AC06: "903",
  AM04: "906",
  AM05: "907",
  MD01: "909",
  MD06: "912",
  MD07: "913",
  MS03: "914",
};

function germanAmount(cents: number): string {
  return `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
}

function germanDate(isoDate: string): string {
  const [year, month, day] = isoDate.split("-");
  return `${day}.${month}.${year}`;
}

/** A returned direct debit as seen on the creditor's account: a debit of original + fee. */
export function returnedDebit(input: ReturnedDebitInput, today: string): FakeTransactionInput {
  const fee = input.feeCents ?? 300;
  const original = input.originalAmountCents;
  const reason = input.reasonCode ?? "AM04";
  const eref = input.endToEndReference ?? "NOTPROVIDED";
  const mref = input.mandateReference ?? "MANDATE-1";
  const cred = input.creditorId ?? "DE98ZZZ09999999999";
  const bookingDate = input.bookingDate ?? today;
  const invoice = input.invoiceNumber ? `, ${input.invoiceNumber}` : "";
  const counterpart = {
    counterpartName: input.debtorName ?? "Max Mustermann",
    counterpartIban: input.debtorIban ?? germanIban("37040044", "0532013000"),
    counterpartBic: input.debtorBic ?? "COBADEFFXXX",
    counterpartMandateReference: mref,
    counterpartCreditorId: cred,
    endToEndReference: eref,
  };
  const base: FakeTransactionInput = {
    amountCents: -(original + fee),
    bankBookingDate: bookingDate,
    valueDate: bookingDate,
    importDate: input.importDate,
    ...counterpart,
  };
  const style = input.style ?? "finapi";
  if (style === "purposeOnly") {
    return {
      ...base,
      counterpartMandateReference: null,
      counterpartCreditorId: null,
      endToEndReference: null,
      type: "LS RUECKBELASTUNG",
      purpose: `EREF+${eref} MREF+${mref} CRED+${cred} SVWZ+ RUECKLASTSCHRIFT${invoice} ZINSAUSGLEICH-FREMDENTGELT ${germanAmount(fee)} EURO`,
    };
  }
  const purpose =
    `EREF+${eref} MREF+${mref} CRED+${cred} OAMT+${germanAmount(original)} COAM+${germanAmount(fee)} ` +
    `SVWZ+Retoure SEPA Lastschrift vom ${germanDate(input.collectionDate ?? bookingDate)}, Rueckgabegrund: ${reason} SVWZ: RETURN/REFUND${invoice} ` +
    `?34${input.dkCode ?? DK_FOR_ISO[reason] ?? "914"}`;
  if (style === "nmsc") {
    return {
      ...base,
      type: "SEPA-LASTSCHR. RETOURE CORE",
      typeCodeZka: "109",
      typeCodeSwift: "NMSC",
      purpose,
    };
  }
  return {
    ...base,
    type: "Retouren",
    typeCodeZka: "109",
    typeCodeSwift: "NRTI",
    bankTransactionCode: "PMNT-IDDT-UPDD",
    // Signed like the transaction, as in finAPI's V1 example (amount −99.99, compensationAmount −1.11).
    originalAmountCents: -original,
    originalCurrency: "EUR",
    compensationAmountCents: -fee,
    purpose,
  };
}
