// Pins what a mandate PUT does: new mandate, amendment (same reference or same signature date),
// reactivation, replacement, the reference-reuse rules, and what the next collection reports.
import { describe, expect, it } from "vitest";
import {
  amendmentForCollection,
  decideMandateChange,
  sameDebtorBank,
  type StoredMandate,
} from "../../worker/domain/sepa-mandate-change.ts";
import type { ValidMandate } from "../../worker/domain/sepa-mandate.ts";

const COMMERZBANK = "DE89370400440532013000";
const ING_1 = "DE02500105170137075030";
const ING_2 = "DE12500105170648489890";

function stored(overrides: Partial<StoredMandate> = {}): StoredMandate {
  return {
    id: "mdt_1",
    customerId: "cus_1",
    reference: "M-1",
    signatureDate: "2026-10-01",
    iban: COMMERZBANK,
    status: "active",
    nextSequenceType: "RCUR",
    lastCollectionDate: "2026-12-15",
    pendingAmendment: null,
    ...overrides,
  };
}

function request(overrides: Partial<ValidMandate> = {}): ValidMandate {
  return {
    reference: "M-1",
    signatureDate: "2026-10-01",
    iban: COMMERZBANK,
    ibanCountry: "DE",
    bic: null,
    ...overrides,
  };
}

const holder = (mandate: StoredMandate) => ({ id: mandate.id, customerId: mandate.customerId });

describe("sameDebtorBank", () => {
  it("compares the national bank code inside the IBAN", () => {
    expect(sameDebtorBank(ING_1, ING_2)).toBe(true);
    expect(sameDebtorBank(ING_1, COMMERZBANK)).toBe(false);
    expect(sameDebtorBank(COMMERZBANK, COMMERZBANK)).toBe(true);
    expect(sameDebtorBank("AT611904300234573201", COMMERZBANK)).toBe(false);
  });
});

describe("decideMandateChange", () => {
  it("creates a first mandate with FRST", () => {
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest: null,
        holderOfReference: null,
        request: request(),
      }),
    ).toEqual({
      kind: "create",
      state: { status: "active", nextSequenceType: "FRST" },
      replaces: null,
    });
  });

  it("replaces the active mandate when both reference and signature date are new", () => {
    const latest = stored();
    const decision = decideMandateChange({
      customerId: "cus_1",
      latest,
      holderOfReference: null,
      request: request({ reference: "M-2", signatureDate: "2027-01-05" }),
    });
    expect(decision).toEqual({
      kind: "create",
      state: { status: "active", nextSequenceType: "FRST" },
      replaces: "mdt_1",
    });
  });

  it("refuses a reference used by another customer or by an older mandate, case-insensitively", () => {
    const other = stored({ id: "mdt_9", customerId: "cus_9" });
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest: null,
        holderOfReference: holder(other),
        request: request({ reference: "m-1" }),
      }),
    ).toMatchObject({
      kind: "reject",
      code: "mandate_reference_taken",
      field: "reference",
    });
    const older = stored({ id: "mdt_0", status: "revoked" });
    const latest = stored({ id: "mdt_5", reference: "M-5" });
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest,
        holderOfReference: holder(older),
        request: request(),
      }),
    ).toMatchObject({ kind: "reject", code: "mandate_reference_taken" });
  });

  it("refuses the same reference with another signature date (a new signature needs a new reference)", () => {
    const latest = stored();
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest,
        holderOfReference: holder(latest),
        request: request({ signatureDate: "2027-01-05" }),
      }),
    ).toMatchObject({
      kind: "reject",
      code: "signature_date_mismatch",
      field: "signatureDate",
    });
  });

  it("amends a new account at the same bank: sequence kept, original IBAN pending", () => {
    const latest = stored({ iban: ING_1 });
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest,
        holderOfReference: holder(latest),
        request: request({ iban: ING_2 }),
      }),
    ).toEqual({
      kind: "amend",
      id: "mdt_1",
      state: { status: "active", nextSequenceType: "RCUR" },
      pendingAmendment: { originalReference: "M-1", originalIban: ING_1, debtorBankChanged: false },
    });
  });

  it("amends a move to another bank: FRST again", () => {
    const latest = stored();
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest,
        holderOfReference: holder(latest),
        request: request({ iban: ING_1 }),
      }),
    ).toMatchObject({
      kind: "amend",
      state: { nextSequenceType: "FRST" },
      pendingAmendment: {
        originalReference: "M-1",
        originalIban: COMMERZBANK,
        debtorBankChanged: true,
      },
    });
  });

  it("amends a new reference under the same signature date, keeping the sequence", () => {
    const latest = stored();
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest,
        holderOfReference: null,
        request: request({ reference: "M-1-NEU" }),
      }),
    ).toMatchObject({
      kind: "amend",
      state: { nextSequenceType: "RCUR" },
      pendingAmendment: {
        originalReference: "M-1",
        originalIban: COMMERZBANK,
        debtorBankChanged: false,
      },
    });
  });

  it("keeps the originals the bank saw across several amendments, and drops them when the data is back to what it saw", () => {
    const once = stored({
      reference: "M-1-NEU",
      pendingAmendment: {
        originalReference: "M-1",
        originalIban: COMMERZBANK,
        debtorBankChanged: false,
      },
    });
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest: once,
        holderOfReference: null,
        request: request({ reference: "M-1-NEUER", iban: ING_1 }),
      }),
    ).toMatchObject({
      pendingAmendment: {
        originalReference: "M-1",
        originalIban: COMMERZBANK,
        debtorBankChanged: true,
      },
    });
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest: once,
        holderOfReference: null,
        request: request(),
      }),
    ).toMatchObject({ kind: "amend", pendingAmendment: null });
  });

  it("reports nothing for a mandate never collected", () => {
    const latest = stored({ nextSequenceType: "FRST", lastCollectionDate: null });
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest,
        holderOfReference: holder(latest),
        request: request({ iban: ING_1 }),
      }),
    ).toEqual({
      kind: "amend",
      id: "mdt_1",
      state: { status: "active", nextSequenceType: "FRST" },
      pendingAmendment: null,
    });
  });

  it("reactivates a revoked or dead mandate given again with its reference and signature date, from FRST", () => {
    for (const status of ["revoked", "dead"] as const) {
      const latest = stored({ status });
      expect(
        decideMandateChange({
          customerId: "cus_1",
          latest,
          holderOfReference: holder(latest),
          request: request(),
        }),
      ).toEqual({
        kind: "reactivate",
        id: "mdt_1",
        state: { status: "active", nextSequenceType: "FRST" },
      });
    }
  });

  it("creates a new mandate (not an amendment) when the latest one is not active", () => {
    const latest = stored({ status: "dead" });
    expect(
      decideMandateChange({
        customerId: "cus_1",
        latest,
        holderOfReference: null,
        request: request({ reference: "M-2" }),
      }),
    ).toMatchObject({ kind: "create", replaces: null });
  });
});

describe("amendmentForCollection", () => {
  it("names what changed since the bank last saw the mandate", () => {
    expect(amendmentForCollection(null, { reference: "M-1", iban: COMMERZBANK })).toBeUndefined();
    expect(
      amendmentForCollection(
        { originalReference: "M-1", originalIban: COMMERZBANK, debtorBankChanged: false },
        { reference: "M-2", iban: COMMERZBANK },
      ),
    ).toEqual({ originalMandateId: "M-1" });
    expect(
      amendmentForCollection(
        { originalReference: "M-1", originalIban: ING_1, debtorBankChanged: false },
        { reference: "M-1", iban: ING_2 },
      ),
    ).toEqual({ originalDebtorIban: ING_1 });
    expect(
      amendmentForCollection(
        { originalReference: "M-1", originalIban: COMMERZBANK, debtorBankChanged: true },
        { reference: "M-2", iban: ING_1 },
      ),
    ).toEqual({
      originalMandateId: "M-1",
      debtorBankChanged: true,
    });
  });
});
