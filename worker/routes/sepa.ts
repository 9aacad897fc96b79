// SEPA direct debit for the merchant API: creditor settings, customer mandates and collection
// runs with their pain.008 files.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { localDate } from "../domain/calendar.ts";
import { mandateExpiryDate } from "../domain/sepa-mandate.ts";
import {
  cancelCollectionRun,
  createCollectionRun,
  readRunFile,
} from "../flows/sepa-collection-runs.ts";
import { putMandate, revokeCustomerMandate } from "../flows/sepa-mandates.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import {
  DateOut,
  IdParam,
  InstantOut,
  Int,
  IsoDateSchema,
  ListQuery,
  NullableText,
  shaped,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { setCreditor } from "../flows/sepa-creditors.ts";
import { findCreditor, type CreditorRecord } from "../store/sepa-creditors.ts";
import { findLatestMandate, type MandateRecord } from "../store/sepa-mandates.ts";
import { findRun, listRuns, type RunItemRecord, type RunRecord } from "../store/sepa-runs.ts";

// Shapes only; the SEPA rules (check digits, character set, EEA BIC rule) are the domain's,
// so every field's error names its reason.
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const LeadDays = v.pipe(v.number(), v.integer("must be a whole number of TARGET2 business days"));

const CreditorBody = v.strictObject({
  creditorName: Text(200),
  iban: Text(64),
  bic: v.optional(v.nullable(Text(20))),
  creditorId: Text(64),
  leadDays: v.optional(
    v.union([LeadDays, v.strictObject({ FRST: v.optional(LeadDays), RCUR: v.optional(LeadDays) })]),
  ),
});

const MandateBody = v.strictObject({
  reference: Text(64),
  signatureDate: IsoDateSchema,
  iban: Text(64),
  bic: v.optional(v.nullable(Text(20))),
  debtorName: v.optional(v.nullable(Text(200))),
});

const RunBody = v.strictObject({ collectionDate: IsoDateSchema });
const RunListQuery = v.object({
  ...ListQuery.entries,
  status: v.optional(v.picklist(["open", "completed", "cancelled"])),
});

const LeadDaysOut = v.object({ FRST: Int, RCUR: Int });
const NullableInstant = v.nullable(InstantOut);

const CreditorResource = v.object({
  creditorName: v.string(),
  /** Masked: the full IBAN is stored encrypted and never answered. */
  iban: v.string(),
  bic: NullableText,
  creditorId: v.string(),
  leadDays: LeadDaysOut,
  updatedAt: InstantOut,
});

const Amendment = v.nullable(
  v.object({ originalReference: NullableText, debtorBankChanged: v.boolean() }),
);

const MandateResource = v.object({
  id: v.string(),
  customerId: v.string(),
  reference: v.string(),
  signatureDate: DateOut,
  iban: v.string(),
  ibanCountry: v.string(),
  bic: NullableText,
  debtorName: NullableText,
  status: v.string(),
  statusReason: NullableText,
  sequenceType: v.string(),
  lastCollectionDate: v.nullable(DateOut),
  expiresOn: DateOut,
  /** The amendment the next collection reports (SMNDA/AmdmntInd), if any. */
  pendingAmendment: Amendment,
  createdAt: InstantOut,
  updatedAt: NullableInstant,
  revokedAt: NullableInstant,
});

const RunItemResource = v.object({
  id: v.string(),
  invoiceId: v.string(),
  invoiceNumber: v.string(),
  customerId: v.string(),
  mandateId: v.string(),
  mandateReference: v.string(),
  endToEndId: v.string(),
  amount: Int,
  sequenceType: v.string(),
  paymentInfoId: v.string(),
  amendment: Amendment,
  status: v.string(),
  settledAt: NullableInstant,
  returnedAt: NullableInstant,
  returnReasonCode: NullableText,
});

const RunResource = v.object({
  id: v.string(),
  status: v.picklist(["open", "completed", "cancelled"]),
  collectionDate: DateOut,
  messageId: v.string(),
  creationDateTime: v.string(),
  numberOfTransactions: Int,
  controlSum: Int,
  currency: v.string(),
  paymentInfos: v.array(
    v.object({
      paymentInfoId: v.string(),
      sequenceType: v.string(),
      collectionDate: DateOut,
      numberOfTransactions: Int,
      controlSum: Int,
    }),
  ),
  creditor: v.object({ creditorName: v.string(), creditorId: v.string(), iban: v.string() }),
  fileSha256: v.string(),
  /** Where to download the pain.008 file. */
  file: v.string(),
  createdAt: InstantOut,
  completedAt: NullableInstant,
  cancelledAt: NullableInstant,
  /** Only where one run is answered, not in lists. */
  items: v.optional(v.array(RunItemResource)),
});

const CreatedRunResource = v.object({
  ...RunResource.entries,
  skipped: v.array(v.object({ invoiceId: v.string(), reason: v.string(), message: v.string() })),
  /** More due invoices than one run takes: create another run for the rest. */
  hasMore: v.boolean(),
});

function creditorResource(creditor: CreditorRecord): v.InferOutput<typeof CreditorResource> {
  return {
    creditorName: creditor.name,
    iban: creditor.ibanMasked,
    bic: creditor.bic,
    creditorId: creditor.creditorId,
    leadDays: creditor.leadDays,
    updatedAt: creditor.updatedAt ?? creditor.createdAt,
  };
}

export function mandateResource(mandate: MandateRecord): v.InferOutput<typeof MandateResource> {
  return {
    id: mandate.id,
    customerId: mandate.customerId,
    reference: mandate.reference,
    signatureDate: mandate.signatureDate,
    iban: mandate.ibanMasked,
    ibanCountry: mandate.ibanCountry,
    bic: mandate.bic,
    debtorName: mandate.debtorName,
    status: mandate.status,
    statusReason: mandate.statusReason,
    sequenceType: mandate.nextSequenceType,
    lastCollectionDate: mandate.lastCollectionDate,
    expiresOn: mandateExpiryDate(mandate.signatureDate, mandate.lastCollectionDate),
    pendingAmendment:
      mandate.amendedFromReference === null
        ? null
        : {
            originalReference: mandate.amendedFromReference,
            debtorBankChanged: mandate.amendedBankChanged,
          },
    createdAt: mandate.createdAt,
    updatedAt: mandate.updatedAt,
    revokedAt: mandate.revokedAt,
  };
}

function itemResource(item: RunItemRecord): v.InferOutput<typeof RunItemResource> {
  return {
    id: item.id,
    invoiceId: item.invoiceId,
    invoiceNumber: item.invoiceNumber,
    customerId: item.customerId,
    mandateId: item.mandateId,
    mandateReference: item.mandateReference,
    endToEndId: item.endToEndId,
    amount: item.amount,
    sequenceType: item.sequenceType,
    paymentInfoId: item.paymentInfoId,
    amendment:
      item.amendedFromIbanCiphertext === null
        ? null
        : {
            originalReference: item.amendedFromReference,
            debtorBankChanged: item.amendedBankChanged,
          },
    status: item.status,
    settledAt: item.settledAt,
    returnedAt: item.returnedAt,
    returnReasonCode: item.returnReasonCode,
  };
}

function runResource(run: RunRecord, items?: RunItemRecord[]): v.InferOutput<typeof RunResource> {
  return {
    id: run.id,
    status: run.status as "open" | "completed" | "cancelled",
    collectionDate: run.collectionDate,
    messageId: run.messageId,
    creationDateTime: run.creationDateTime,
    numberOfTransactions: run.numberOfTransactions,
    controlSum: run.controlSum,
    currency: run.currency,
    paymentInfos: run.paymentInfos,
    creditor: {
      creditorName: run.creditorName,
      creditorId: run.creditorId,
      iban: run.creditorIbanMasked,
    },
    fileSha256: run.fileSha256,
    file: `/api/v1/collection-runs/${run.id}/pain008.xml`,
    createdAt: run.createdAt,
    completedAt: run.completedAt,
    cancelledAt: run.cancelledAt,
    ...(items ? { items: items.map(itemResource) } : {}),
  };
}

/** The file route answers XML, not JSON. */
const fileDoc = doc(
  "SEPA",
  "Download the run's pain.008.001.08 file, byte for byte as stored",
  { description: "The pain.008.001.08 file", media: "application/xml" },
  { errors: [404] },
);

export const sepaRouter = new Hono<AppEnv>()
  .get(
    "/settings/creditor",
    doc("SEPA", "Get the SEPA creditor settings", { schema: CreditorResource }, { errors: [404] }),
    async (c) => {
      const creditor = await findCreditor(c.var.db, c.get("merchant").id);
      if (!creditor) throw notFound("The SEPA creditor settings");
      return c.json(creditorResource(creditor));
    },
  )
  .put(
    "/settings/creditor",
    doc("SEPA", "Set the SEPA creditor: name, IBAN, BIC, creditor identifier, lead days", {
      schema: CreditorResource,
    }),
    valid("json", CreditorBody),
    async (c) => {
      const stored = await setCreditor(
        c.var.db,
        c.env.ENCRYPTION_KEY,
        c.var.merchant.id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(creditorResource(stored));
    },
  )
  .get(
    "/customers/:id/mandate",
    doc(
      "SEPA",
      "Get the customer's current mandate (the latest, whatever its status)",
      { schema: MandateResource },
      { errors: [404] },
    ),
    valid("param", IdParam("cus")),
    async (c) => {
      const { id } = c.req.valid("param");
      const { customer, mandate } = await findLatestMandate(c.var.db, c.get("merchant").id, id);
      if (!customer) throw notFound("Customer", id);
      if (!mandate) throw notFound(`A mandate of customer ${id}`);
      return c.json(mandateResource(mandate));
    },
  )
  .put(
    "/customers/:id/mandate",
    doc(
      "SEPA",
      "Give the customer a mandate, or amend it (same reference or same signature date)",
      [
        { status: 201, description: "A new mandate", schema: MandateResource },
        { status: 200, description: "The mandate amended", schema: MandateResource },
      ],
      { errors: [404, 409, 422] },
    ),
    valid("param", IdParam("cus")),
    valid("json", MandateBody),
    async (c) => {
      const merchant = c.get("merchant");
      const { mandate, created } = await putMandate(c.var.db, c.env.ENCRYPTION_KEY, {
        merchantId: merchant.id,
        customerId: c.req.valid("param").id,
        request: c.req.valid("json"),
        today: localDate(c.get("now"), merchant.timeZone),
        now: c.get("now"),
      });
      return c.json(mandateResource(mandate), created ? 201 : 200);
    },
  )
  .delete(
    "/customers/:id/mandate",
    doc(
      "SEPA",
      "Revoke the customer's mandate",
      { schema: MandateResource },
      { errors: [404, 409] },
    ),
    valid("param", IdParam("cus")),
    async (c) => {
      const mandate = await revokeCustomerMandate(
        c.var.db,
        c.get("merchant").id,
        c.req.valid("param").id,
        c.get("now"),
      );
      return c.json(mandateResource(mandate));
    },
  )
  .post(
    "/collection-runs",
    doc(
      "SEPA",
      "Collect the due open invoices by SEPA direct debit (pain.008)",
      { status: 201, schema: CreatedRunResource },
      { errors: [409, 422] },
    ),
    valid("json", RunBody),
    async (c) => {
      const created = await createCollectionRun(c.var.db, c.env.ENCRYPTION_KEY, {
        merchant: c.get("merchant"),
        collectionDate: c.req.valid("json").collectionDate,
        now: c.get("now"),
      });
      return c.json(
        shaped(CreatedRunResource)({
          ...runResource(created.run, created.items),
          skipped: created.skipped,
          hasMore: created.hasMore,
        }),
        201,
      );
    },
  )
  .get(
    "/collection-runs",
    doc("SEPA", "List collection runs", { schema: PageOf(RunResource) }),
    valid("query", RunListQuery),
    async (c) => {
      const query = c.req.valid("query");
      const rows = await listRuns(c.var.db, c.get("merchant").id, query);
      return c.json(toPage(rows, query.limit, (run) => runResource(run)));
    },
  )
  .get(
    "/collection-runs/:id",
    doc("SEPA", "Get a collection run with its items", { schema: RunResource }, { errors: [404] }),
    valid("param", IdParam("col")),
    async (c) => {
      const { id } = c.req.valid("param");
      const found = await findRun(c.var.db, c.get("merchant").id, id);
      if (!found) throw notFound("Collection run", id);
      return c.json(runResource(found.run, found.items));
    },
  )
  .get("/collection-runs/:id/pain008.xml", fileDoc, valid("param", IdParam("col")), async (c) => {
    const { run, xml } = await readRunFile(
      c.var.db,
      c.env.ENCRYPTION_KEY,
      c.get("merchant").id,
      c.req.valid("param").id,
    );
    return c.body(xml, 200, {
      "content-type": "application/xml; charset=utf-8",
      "content-disposition": `attachment; filename="${run.messageId}.xml"`,
    });
  })
  .post(
    "/collection-runs/:id/cancel",
    doc(
      "SEPA",
      "Discard a run that was never sent to the bank",
      { schema: RunResource },
      { errors: [404, 409, 422] },
    ),
    valid("param", IdParam("col")),
    async (c) => {
      const { run, items } = await cancelCollectionRun(
        c.var.db,
        c.get("merchant").id,
        c.req.valid("param").id,
        c.get("now"),
      );
      return c.json(runResource(run, items));
    },
  );
