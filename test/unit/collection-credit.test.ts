// Pins how the bank's credits for our SEPA collections are recognised: message and PmtInf ids in
// any case and split over lines, single credits by end-to-end id, batch credits (GVC 171/192)
// without ids by their exact sum, and the amounts that must go to a person instead.
import { describe, expect, it } from "vitest";
import {
  collectionIdsInText,
  matchCollectionCredit,
  type OpenCollectionRun,
  type PendingCollectionItem,
} from "../../worker/domain/collection-credit.ts";

const RUN_A = "col_01mg052tm0000v1yys4ej94z";
const RUN_B = "col_01mg052tm0001abcdefghjkm";
const runs: OpenCollectionRun[] = [
  { id: RUN_A, messageId: "col-01mg052tm0000v1yys4ej94z" },
  { id: RUN_B, messageId: "col-01mg052tm0001abcdefghjkm" },
];

function item(
  id: string,
  runId: string,
  info: number,
  amount: number,
  endToEndId = `RF18${id.toUpperCase()}`,
): PendingCollectionItem {
  const messageId = runs.find((run) => run.id === runId)!.messageId;
  return {
    id,
    runId,
    paymentInfoId: `${messageId}-${info}`,
    invoiceId: `inv_${id}`,
    endToEndId,
    amount,
  };
}

// Run A: FRST block of two, RCUR block of one. Run B: one block of one.
const pending = [
  item("a1", RUN_A, 1, 3_570),
  item("a2", RUN_A, 1, 7_140),
  item("a3", RUN_A, 2, 1_000),
  item("b1", RUN_B, 1, 2_500),
];

describe("collectionIdsInText", () => {
  it("finds message and PmtInf ids in any case, with or without line breaks", () => {
    expect(collectionIdsInText("SAMMLER COL-01MG052TM0000V1YYS4EJ94Z-2 DATUM 15.03.")).toEqual({
      messageIds: ["col-01mg052tm0000v1yys4ej94z"],
      paymentInfoIds: ["col-01mg052tm0000v1yys4ej94z-2"],
    });
    expect(collectionIdsInText("MSG col-01mg052tm00\n00v1yys4ej94z").messageIds).toEqual([
      "col-01mg052tm0000v1yys4ej94z",
    ]);
    expect(collectionIdsInText("Strom Maerz RE-2027-000001", null)).toEqual({
      messageIds: [],
      paymentInfoIds: [],
    });
  });
});

describe("matchCollectionCredit", () => {
  it("settles the PmtInf named in the purpose when its pending sum is the amount", () => {
    expect(
      matchCollectionCredit(
        { amount: 10_710, purpose: "GUTSCHRIFT col-01mg052tm0000v1yys4ej94z-1" },
        runs,
        pending,
      ),
    ).toMatchObject({
      kind: "settle",
      rule: "sepa_payment_info",
      scope: { paymentInfoId: "col-01mg052tm0000v1yys4ej94z-1" },
    });
  });

  it("settles the whole run by its message id", () => {
    const match = matchCollectionCredit(
      { amount: 11_710, purpose: "MSGID COL-01MG052TM0000V1YYS4EJ94Z" },
      runs,
      pending,
    );
    expect(match).toMatchObject({ kind: "settle", rule: "sepa_run", scope: { runId: RUN_A } });
    expect(match?.items.map((i) => i.id)).toEqual(["a1", "a2", "a3"]);
  });

  it("sends a credit that names a collection with another sum to review", () => {
    expect(
      matchCollectionCredit(
        { amount: 999, purpose: "col-01mg052tm0000v1yys4ej94z" },
        runs,
        pending,
      ),
    ).toMatchObject({ kind: "review", reason: "collection_amount_mismatch" });
  });

  it("settles one item by its end-to-end id and exact amount", () => {
    expect(
      matchCollectionCredit(
        { amount: 7_140, endToEndReference: "RF18A2", purpose: "SEPA LS" },
        runs,
        pending,
      ),
    ).toMatchObject({ kind: "settle", rule: "sepa_item", scope: { itemId: "a2" } });
    expect(
      matchCollectionCredit({ amount: 7_000, purpose: "EREF+RF18A2 SVWZ+x" }, runs, pending),
    ).toMatchObject({ kind: "review", reason: "collection_amount_mismatch" });
  });

  it("settles a batch credit without ids by its unique sum, and asks when two blocks fit", () => {
    expect(
      matchCollectionCredit(
        { amount: 2_500, typeCodeZka: "192", purpose: "Sammler" },
        runs,
        pending,
      ),
    ).toMatchObject({ kind: "settle", scope: { runId: RUN_B } });
    expect(
      matchCollectionCredit({ amount: 1_000, typeCodeZka: "171" }, runs, pending),
    ).toMatchObject({
      kind: "settle",
      rule: "sepa_payment_info",
      scope: { paymentInfoId: "col-01mg052tm0000v1yys4ej94z-2" },
    });
    const twins = [...pending, item("b2", RUN_B, 1, 8_710)];
    expect(
      matchCollectionCredit({ amount: 11_210, typeCodeZka: "192" }, runs, twins),
    ).toMatchObject({ kind: "settle", scope: { runId: RUN_B } });
    const ambiguous = [item("x1", RUN_A, 1, 500), item("y1", RUN_B, 1, 500)];
    expect(
      matchCollectionCredit({ amount: 500, typeCodeZka: "192" }, runs, ambiguous),
    ).toMatchObject({ kind: "review", reason: "collection_ambiguous" });
  });

  it("leaves ordinary transfers to the matcher", () => {
    expect(
      matchCollectionCredit(
        { amount: 2_500, typeCodeZka: "166", purpose: "Rechnung RE-2027-000001" },
        runs,
        pending,
      ),
    ).toBeNull();
    expect(
      matchCollectionCredit({ amount: 2_500, typeCodeZka: "192", currency: "USD" }, runs, pending),
    ).toBeNull();
    expect(matchCollectionCredit({ amount: -2_500, typeCodeZka: "192" }, runs, pending)).toBeNull();
    expect(
      matchCollectionCredit({ amount: 2_500, endToEndReference: "NOTPROVIDED" }, [], []),
    ).toBeNull();
  });
});
