// Collection runs: pick the due invoices of customers with an active mandate, build the
// pain.008 file, and store run, items, file, invoice and mandate updates in one atomic batch;
// read the file back; discard a run that never went to the bank.
import { localDate, type IsoDate } from "../domain/calendar.ts";
import { buildPain008, Pain008Error, sepaMessageId } from "../domain/pain008.ts";
import {
  checkRunCollectionDate,
  collectionRunItems,
  collectionRunPain008Input,
  MAX_RUN_TRANSACTIONS,
  planCollections,
  type RunCreditor,
  type RunMandate,
  type SkippedInvoice,
} from "../domain/sepa-collection-run.ts";
import type { CollectionDateCheck } from "../domain/sepa-calendar.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { decryptSecret, encryptSecret } from "../security.ts";
import { newId, sha256Hex } from "../security.ts";
import { runBatch, type Db } from "../store/db.ts";
import { findDunningSettings } from "../store/dunning.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import { creditorIbanBinding, findCreditor, type CreditorRecord } from "../store/sepa-creditors.ts";
import { mandateIbanBinding, type MandateRecord } from "../store/sepa-mandates.ts";
import {
  cancelRunStatements,
  createRunStatements,
  findLaterCollectionUnderSameMandates,
  findRun,
  findRunFile,
  isCollectionConflict,
  loadCollectables,
  runFileBinding,
  type RunItemRecord,
  type RunRecord,
} from "../store/sepa-runs.ts";
import { pendingAmendmentOf } from "./sepa-mandates.ts";

/**
 * Plain-text characters per stored file part: far below D1's 2 MB row limit once encrypted, and
 * small enough for `encryptSecret`, whose base64 step spreads the bytes into one call's arguments
 * (a few hundred KB overflow the stack).
 */
const FILE_PART_CHARS = 32 * 1024;

function dateProblem(check: Extract<CollectionDateCheck, { ok: false }>): DomainError {
  const hint =
    check.reason === "too_far_ahead"
      ? ""
      : ` The earliest allowed collection date is ${check.earliest}.`;
  return new DomainError("collection_date_not_allowed", `${check.message}.${hint}`, [
    { field: "collectionDate", message: `${check.reason}: ${check.message}` },
  ]);
}

async function runCreditor(
  creditor: CreditorRecord,
  keyMaterial: string | undefined,
): Promise<RunCreditor> {
  return {
    name: creditor.name,
    iban: await decryptSecret(
      creditor.ibanCiphertext,
      keyMaterial,
      creditorIbanBinding(creditor.merchantId),
    ),
    bic: creditor.bic,
    creditorId: creditor.creditorId,
    leadDays: creditor.leadDays,
  };
}

async function runMandate(
  record: MandateRecord,
  customerName: string,
  keyMaterial: string | undefined,
): Promise<RunMandate> {
  return {
    id: record.id,
    version: record.version,
    customerId: record.customerId,
    reference: record.reference,
    signatureDate: record.signatureDate,
    iban: await decryptSecret(record.ibanCiphertext, keyMaterial, mandateIbanBinding(record.id)),
    bic: record.bic,
    debtorName: record.debtorName ?? customerName,
    nextSequenceType: record.nextSequenceType as RunMandate["nextSequenceType"],
    lastCollectionDate: record.lastCollectionDate,
    pendingAmendment: await pendingAmendmentOf(record, keyMaterial),
  };
}

function splitFile(xml: string): string[] {
  const parts: string[] = [];
  for (let start = 0; start < xml.length; start += FILE_PART_CHARS)
    parts.push(xml.slice(start, start + FILE_PART_CHARS));
  return parts;
}

export interface CreatedRun {
  run: RunRecord;
  items: RunItemRecord[];
  skipped: SkippedInvoice[];
  /** More invoices were due than one run takes; another run collects them. */
  hasMore: boolean;
}

export async function createCollectionRun(
  db: Db,
  keyMaterial: string | undefined,
  input: { merchant: MerchantRecord; collectionDate: IsoDate; now: Date },
): Promise<CreatedRun> {
  const { merchant, collectionDate, now } = input;
  const creditorRecord = await findCreditor(db, merchant.id);
  if (!creditorRecord) {
    throw new DomainError(
      "creditor_not_configured",
      "Set the creditor data first (PUT /api/v1/settings/creditor).",
    );
  }
  const today = localDate(now, merchant.timeZone);
  const early = checkRunCollectionDate(today, collectionDate, creditorRecord);
  if (!early.ok) throw dateProblem(early);

  // Twice the cap, so invoices skipped for a reason cannot starve the ones that can be collected.
  const loadLimit = 2 * MAX_RUN_TRANSACTIONS + 1;
  const loaded = await loadCollectables(db, merchant.id, collectionDate, loadLimit);
  const names = new Map(loaded.customers.map((customer) => [customer.id, customer.name]));
  const usedCustomers = new Set(loaded.invoices.map((invoice) => invoice.customerId));
  const mandates = new Map<string, RunMandate>();
  for (const record of loaded.mandates) {
    if (usedCustomers.has(record.customerId))
      mandates.set(
        record.customerId,
        await runMandate(record, names.get(record.customerId) ?? "", keyMaterial),
      );
  }
  const { representDebits } = await findDunningSettings(db, merchant.id);
  const plan = planCollections(loaded.invoices, mandates, collectionDate, { representDebits });
  if (plan.collections.length === 0) {
    const skipped =
      plan.skipped.length > 0
        ? ` ${plan.skipped.length} due invoice(s) were skipped: ${plan.skipped.map((s) => `${s.invoiceId} (${s.reason})`).join(", ")}.`
        : "";
    throw new DomainError(
      "no_collectable_invoices",
      `No open invoice due on or before ${collectionDate} can be collected: none of a customer with an active mandate, or all are in an open run already.${skipped}`,
    );
  }
  const dateCheck = checkRunCollectionDate(
    today,
    collectionDate,
    creditorRecord,
    plan.collections.map((c) => c.sequenceType),
  );
  if (!dateCheck.ok) throw dateProblem(dateCheck);

  const runId = newId("col");
  const creationDateTime = now.toISOString().replace(/\.\d+Z$/, "Z");
  const creditor = await runCreditor(creditorRecord, keyMaterial);
  let document;
  try {
    document = buildPain008(
      collectionRunPain008Input(
        { messageId: sepaMessageId(runId), creationDateTime, collectionDate },
        creditor,
        plan.collections,
      ),
    );
  } catch (error) {
    if (!(error instanceof Pain008Error)) throw error;
    throw new DomainError(
      "collection_data_invalid",
      `The collection file cannot be built: ${error.message}`,
      [{ field: error.path, message: error.message }],
    );
  }
  const mandateRecords = new Map(loaded.mandates.map((record) => [record.id, record]));
  const items = collectionRunItems(document, plan.collections).map((item) => ({
    ...item,
    id: newId("cit"),
    amendedFromIbanCiphertext:
      mandateRecords.get(item.mandateId)?.amendedFromIbanCiphertext ?? null,
  }));
  const parts = splitFile(document.xml);
  const fileParts = await Promise.all(
    parts.map((part, index) => encryptSecret(part, keyMaterial, runFileBinding(runId, index))),
  );
  const run = {
    id: runId,
    merchantId: merchant.id,
    status: "open",
    collectionDate,
    messageId: document.messageId,
    creationDateTime,
    numberOfTransactions: document.numberOfTransactions,
    controlSum: document.controlSum,
    currency: "EUR",
    paymentInfos: document.paymentInfos.map(({ endToEndIds: _ids, ...info }) => info),
    creditorName: creditorRecord.name,
    creditorId: creditorRecord.creditorId,
    creditorIbanMasked: creditorRecord.ibanMasked,
    fileParts: parts.length,
    fileSha256: await sha256Hex(document.xml),
  };
  try {
    await runBatch(db, createRunStatements(db, { run, fileParts, items }));
  } catch (error) {
    if (!isCollectionConflict(error)) throw error;
    throw new DomainError(
      "collection_conflict",
      "Invoices or mandates of this run changed while it was being built (or another run took them); nothing was stored. Try again.",
    );
  }
  const stored = (await findRun(db, merchant.id, runId))!;
  return {
    ...stored,
    skipped: plan.skipped,
    hasMore: plan.hasMore || loaded.invoices.length >= loadLimit,
  };
}

/** The stored pain.008 file, byte for byte as it was built. */
export async function readRunFile(
  db: Db,
  keyMaterial: string | undefined,
  merchantId: string,
  runId: string,
): Promise<{ run: RunRecord; xml: string }> {
  const file = await findRunFile(db, merchantId, runId);
  if (!file) throw notFound("Collection run", runId);
  const parts = await Promise.all(
    file.parts.map((ciphertext, index) =>
      decryptSecret(ciphertext, keyMaterial, runFileBinding(runId, index)),
    ),
  );
  return { run: file.run, xml: parts.join("") };
}

/**
 * Discards a run whose file never reached the bank: its invoices are open again and its
 * mandates get back the sequence type, expiry date and amendment the run had consumed. Only
 * while no item is settled or returned, and only if no later run collected under one of its
 * mandates (that run's sequence types assumed this one was sent).
 */
export async function cancelCollectionRun(
  db: Db,
  merchantId: string,
  runId: string,
  now: Date,
): Promise<{ run: RunRecord; items: RunItemRecord[] }> {
  const found = await findRun(db, merchantId, runId);
  if (!found) throw notFound("Collection run", runId);
  if (found.run.status === "cancelled") return found;
  if (found.run.status !== "open" || found.items.some((item) => item.status !== "pending")) {
    throw new DomainError(
      "run_not_cancellable",
      "Only a run whose collections are all still pending can be cancelled; this one has settled or returned items.",
    );
  }
  const later = await findLaterCollectionUnderSameMandates(db, merchantId, runId);
  if (later) {
    throw new DomainError(
      "run_not_cancellable",
      `Run ${later.runId} collected under a mandate of this run afterwards; cancel that run first.`,
    );
  }
  await runBatch(db, cancelRunStatements(db, merchantId, runId, now.toISOString()));
  return (await findRun(db, merchantId, runId))!;
}
