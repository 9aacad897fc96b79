// Pins the mandate lifecycle: FRST then RCUR, what resets the series, what every return reason
// class of reference/return-codes.md does to the mandate, expiry, and mandate input checks.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ReasonClass } from "../../worker/domain/return-detection.ts";
import {
  afterCollectionSubmitted,
  afterCollectionUnsettled,
  afterMandateAmended,
  afterReturn,
  canCollect,
  isMandateExpired,
  mandateExpiryDate,
  mandateStatusAfterReturn,
  newMandateState,
  nextSequenceType,
  reactivateMandate,
  revokeMandate,
  validateMandateInput,
} from "../../worker/domain/sepa-mandate.ts";
import type { MandateState } from "../../worker/domain/sepa-mandate.ts";

const ALL_CLASSES: readonly (ReasonClass | "unknown")[] = [
  "dead",
  "dead_until_clarified",
  "wrong_scheme",
  "technical",
  "retryable",
  "no_retry",
  "fixable",
  "disputed",
  "retry_once",
  "manual",
  "refusal",
  "info",
  "unknown",
];

const anyState: fc.Arbitrary<MandateState> = fc.record({
  status: fc.constantFrom("active", "revoked", "dead"),
  nextSequenceType: fc.constantFrom("FRST", "RCUR"),
});

describe("sequence types", () => {
  it("starts a new mandate active with FRST", () => {
    expect(newMandateState()).toEqual({ status: "active", nextSequenceType: "FRST" });
    expect(nextSequenceType(newMandateState())).toBe("FRST");
  });

  it("goes FRST → RCUR once the first collection is submitted, and stays RCUR", () => {
    let state = newMandateState();
    state = afterCollectionSubmitted(state);
    expect(nextSequenceType(state)).toBe("RCUR");
    state = afterCollectionSubmitted(state);
    expect(nextSequenceType(state)).toBe("RCUR");
  });

  it("goes back to FRST when the first collection never settled (run discarded, rejected before settlement)", () => {
    const submitted = afterCollectionSubmitted(newMandateState());
    expect(afterCollectionUnsettled(submitted, "FRST").nextSequenceType).toBe("FRST");
    expect(afterCollectionUnsettled(submitted, "RCUR").nextSequenceType).toBe("RCUR");
  });

  it("keeps RCUR after a settled FRST was returned for lack of funds (the debtor bank knows the mandate)", () => {
    const state = afterReturn(afterCollectionSubmitted(newMandateState()), "retryable", "AM04");
    expect(state).toEqual({ status: "active", nextSequenceType: "RCUR" });
  });

  it("restarts with FRST when the debtor moved to another bank, not for a new IBAN at the same bank", () => {
    const recurring = afterCollectionSubmitted(newMandateState());
    expect(afterMandateAmended(recurring, { debtorBankChanged: true }).nextSequenceType).toBe(
      "FRST",
    );
    expect(afterMandateAmended(recurring, { debtorBankChanged: false }).nextSequenceType).toBe(
      "RCUR",
    );
  });

  it("never offers a sequence type for a revoked or dead mandate", () => {
    fc.assert(
      fc.property(anyState, (state) => {
        expect(nextSequenceType(state) === null).toBe(state.status !== "active");
        expect(canCollect(state)).toBe(state.status === "active");
      }),
    );
  });

  it("revives a revoked or dead mandate only by an explicit reactivation, which restarts with FRST", () => {
    const revoked = revokeMandate(afterCollectionSubmitted(newMandateState()));
    expect(revoked.status).toBe("revoked");
    expect(reactivateMandate(revoked)).toEqual({ status: "active", nextSequenceType: "FRST" });
  });
});

describe("mandateStatusAfterReturn", () => {
  it("marks the mandate dead for the dead classes (AC01, AC04, AG01, MD01, MD07, AC06, AC13)", () => {
    for (const reasonClass of ["dead", "dead_until_clarified", "wrong_scheme"] as const) {
      expect(mandateStatusAfterReturn(reasonClass), reasonClass).toEqual({
        effect: "dead",
        status: "dead",
        autoRetries: 0,
        restartSequence: false,
      });
    }
  });

  it("retries insufficient funds (AM04) and the unspecified MS03 once, leaving the mandate active", () => {
    for (const reasonClass of ["retryable", "retry_once"] as const) {
      expect(mandateStatusAfterReturn(reasonClass), reasonClass).toEqual({
        effect: "retryable",
        status: "unchanged",
        autoRetries: 1,
        restartSequence: false,
      });
    }
  });

  it("stops collecting when the debtor disputes (MD06, MS02) or has the bank refuse (SL01)", () => {
    for (const reasonClass of ["disputed", "refusal"] as const) {
      expect(mandateStatusAfterReturn(reasonClass), reasonClass).toEqual({
        effect: "disputed",
        status: "revoked",
        autoRetries: 0,
        restartSequence: false,
      });
    }
  });

  it("asks for corrected data and a new FRST after wrong mandate data (MD02, RR01-RR03)", () => {
    expect(mandateStatusAfterReturn("fixable")).toEqual({
      effect: "fix_data",
      status: "unchanged",
      autoRetries: 0,
      restartSequence: true,
    });
  });

  it("leaves technical faults, duplicates, regulatory and unknown returns to a person, without retrying", () => {
    expect(mandateStatusAfterReturn("technical")).toMatchObject({
      effect: "resubmit",
      status: "unchanged",
      autoRetries: 0,
    });
    for (const reasonClass of ["no_retry", "manual", "unknown"] as const) {
      expect(mandateStatusAfterReturn(reasonClass), reasonClass).toMatchObject({
        effect: "review",
        status: "unchanged",
        autoRetries: 0,
      });
    }
    expect(mandateStatusAfterReturn("info")).toMatchObject({ effect: "none", status: "unchanged" });
  });

  it("treats AG02 (wrong sequence type) as a reason to restart with FRST, and DNOR as dead", () => {
    expect(mandateStatusAfterReturn("technical", "AG02")).toMatchObject({
      effect: "resubmit",
      restartSequence: true,
    });
    expect(mandateStatusAfterReturn("technical", "ag02")).toMatchObject({ restartSequence: true });
    expect(mandateStatusAfterReturn("technical", "DNOR")).toMatchObject({
      effect: "dead",
      status: "dead",
    });
    expect(mandateStatusAfterReturn("technical", "BE05")).toMatchObject({
      effect: "resubmit",
      restartSequence: false,
    });
  });

  it("covers every reason class, and retries only where the mandate stays usable", () => {
    for (const reasonClass of ALL_CLASSES) {
      const result = mandateStatusAfterReturn(reasonClass);
      if (result.autoRetries > 0) expect(result.status, reasonClass).toBe("unchanged");
      if (result.status !== "unchanged") expect(result.autoRetries, reasonClass).toBe(0);
    }
  });
});

describe("afterReturn", () => {
  it("kills the mandate on a dead reason; only a new mandate starts with FRST again", () => {
    const state = afterReturn(afterCollectionSubmitted(newMandateState()), "dead", "AC04");
    expect(state.status).toBe("dead");
    expect(nextSequenceType(state)).toBeNull();
    expect(nextSequenceType(newMandateState())).toBe("FRST");
  });

  it("never brings a revoked or dead mandate back to active", () => {
    fc.assert(
      fc.property(
        anyState,
        fc.constantFrom(...ALL_CLASSES),
        fc.constantFrom(undefined, "AG02", "DNOR", "AM04"),
        (state, reasonClass, code) => {
          const after = afterReturn(state, reasonClass, code);
          if (state.status !== "active") expect(after.status).not.toBe("active");
        },
      ),
    );
  });
});

describe("expiry after 36 months without a collection", () => {
  it("counts from the last collection, or from the signature when never used", () => {
    expect(mandateExpiryDate("2024-03-15", "2025-01-31")).toBe("2028-01-31");
    expect(mandateExpiryDate("2024-02-29", null)).toBe("2027-02-28");
    expect(isMandateExpired("2024-03-15", "2025-01-31", "2028-01-28")).toBe(false);
    expect(isMandateExpired("2024-03-15", "2025-01-31", "2028-01-31")).toBe(true);
    expect(isMandateExpired("2021-01-04", null, "2027-01-04")).toBe(true);
  });
});

describe("validateMandateInput", () => {
  const today = "2027-01-10";
  const good = {
    reference: "MNDT-2027-0001",
    signatureDate: "2027-01-02",
    iban: "DE89 3704 0044 0532 0130 00",
  };

  it("normalises a good mandate", () => {
    expect(validateMandateInput({ ...good, bic: "cobadeffxxx" }, today)).toEqual({
      ok: true,
      value: {
        reference: "MNDT-2027-0001",
        signatureDate: "2027-01-02",
        iban: "DE89370400440532013000",
        ibanCountry: "DE",
        bic: "COBADEFFXXX",
      },
    });
    expect(validateMandateInput({ ...good, signatureDate: today, bic: "" }, today)).toMatchObject({
      ok: true,
      value: { bic: null },
    });
  });

  it("lists every bad field at once", () => {
    const result = validateMandateInput(
      {
        reference: "MANDAT 1",
        signatureDate: "2027-02-30",
        iban: "DE89370400440532013001",
        bic: "COBA",
      },
      today,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((error) => [error.field, error.reason])).toEqual([
        ["reference", "contains_space"],
        ["signatureDate", "not_a_date"],
        ["iban", "checksum"],
        ["bic", "bad_format"],
      ]);
    }
  });

  it("refuses signature dates in the future, non-SEPA IBANs, and a missing BIC outside the EEA", () => {
    expect(validateMandateInput({ ...good, signatureDate: "2027-01-11" }, today)).toMatchObject({
      ok: false,
      errors: [{ field: "signatureDate", reason: "in_future" }],
    });
    expect(
      validateMandateInput({ ...good, iban: "JO94CBJO0010000000000131000302" }, today),
    ).toMatchObject({ ok: false, errors: [{ field: "iban", reason: "not_sepa" }] });
    expect(validateMandateInput({ ...good, iban: "CH9300762011623852957" }, today)).toMatchObject({
      ok: false,
      errors: [{ field: "bic", reason: "required" }],
    });
    expect(
      validateMandateInput({ ...good, iban: "CH9300762011623852957", bic: "UBSWCHZH80A" }, today),
    ).toMatchObject({ ok: true });
  });
});
