// Valibot building blocks shared by the routers: ids, dates, money, pagination.
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import * as v from "valibot";
import { isIsoDate } from "../domain/calendar.ts";
import {
  isIsoCountry,
  isValidVatId,
  MAX_ADDRESS_LINE,
  MAX_CITY,
  MAX_POSTAL_CODE,
  normalizeVatId,
} from "../domain/company.ts";

export const IdParam = (prefix: string) =>
  v.object({
    id: v.pipe(
      v.string(),
      v.regex(new RegExp(`^${prefix}_[0-9a-z]{24}$`), `must be a ${prefix}_ id`),
    ),
  });

export const IdOf = (prefix: string) =>
  v.pipe(v.string(), v.regex(new RegExp(`^${prefix}_[0-9a-z]{24}$`), `must be a ${prefix}_ id`));

/** Every date the API takes lies in this range: far beyond any billing horizon, but no date
 * arithmetic (periods, terms, notice) can run past year 9999 from it. */
export const EARLIEST_DATE = "2000-01-01";
export const LATEST_DATE = "2099-12-31";

export const IsoDateSchema = v.pipe(
  v.string(),
  v.check(isIsoDate, "must be an existing calendar date YYYY-MM-DD"),
  v.check(
    // An invalid date has its own message above; the range speaks only of real dates.
    (date) => !isIsoDate(date) || (date >= EARLIEST_DATE && date <= LATEST_DATE),
    `must be between ${EARLIEST_DATE} and ${LATEST_DATE}`,
  ),
  v.metadata({ format: "date" }),
);

/** An RFC 3339 instant with a time zone (`2027-01-11T10:00:00Z`), in the same date range. */
export const InstantSchema = v.pipe(
  v.string(),
  v.regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i,
    "must be an RFC 3339 instant like 2027-01-11T10:00:00Z",
  ),
  v.check((text) => isIsoDate(text.slice(0, 10)) && !Number.isNaN(Date.parse(text)), "must exist"),
  v.transform((text) => new Date(text)),
  v.check((instant) => {
    const day = instant.toISOString().slice(0, 10);
    return day >= EARLIEST_DATE && day <= LATEST_DATE;
  }, `must be between ${EARLIEST_DATE} and ${LATEST_DATE}`),
  v.metadata({ format: "date-time" }),
);

/** A PATCH body: every field optional, but at least one of them (an empty patch is a mistake). */
export function patchObject<const Entries extends v.ObjectEntries>(entries: Entries) {
  return v.pipe(
    v.strictObject(entries),
    v.check(
      (patch) => Object.keys(patch).length > 0,
      `send at least one of ${Object.keys(entries).join(", ")}`,
    ),
  );
}

export const CentsSchema = v.pipe(
  v.number(),
  v.integer("must be an integer number of cents"),
  v.minValue(0),
  v.maxValue(100_000_000_00),
);

export const TaxRateSchema = v.pipe(
  v.number(),
  v.integer("must be basis points, e.g. 1900 for 19 %"),
  v.minValue(0),
  v.maxValue(10_000),
);

export const CurrencySchema = v.pipe(
  v.string(),
  v.regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like EUR"),
);

export const NameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "must not be empty"),
  v.maxLength(200),
);

export const QuantitySchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(999));

/** https, or plain http on this machine (development): the only URLs the browser side may use. */
export function isHttpsOrLoopback(url: URL): boolean {
  return (
    url.protocol === "https:" ||
    (url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname))
  );
}

function parsesAs(value: string, accept: (url: URL) => boolean): boolean {
  try {
    return accept(new URL(value));
  } catch {
    return false;
  }
}

/** An origin like https://shop.example.com: scheme, host and port, nothing more. */
export const OriginSchema = v.pipe(
  v.string(),
  v.maxLength(200),
  v.check(
    (value) => parsesAs(value, (url) => isHttpsOrLoopback(url) && url.origin === value),
    "must be an origin like https://shop.example.com (https, or http on localhost; no path)",
  ),
);

export const BrowserUrlSchema = v.pipe(
  v.string(),
  v.maxLength(2048),
  v.check((value) => parsesAs(value, isHttpsOrLoopback), "must be an https URL"),
);

export const ListQuery = v.object({
  // A query string is text; toNumber first lets the document call `limit` an integer.
  limit: v.optional(
    v.pipe(
      v.string(),
      v.toNumber("must be 1–100"),
      v.integer("must be 1–100"),
      v.minValue(1, "must be 1–100"),
      v.maxValue(100, "must be 1–100"),
    ),
    "20",
  ),
  cursor: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z]{2,4}_[0-9a-z]{24}$/, "must be a nextCursor value")),
  ),
});

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Rows were fetched with limit + 1: the extra row only tells whether another page exists. */
export function toPage<T extends { id: string }, R>(
  rows: T[],
  limit: number,
  shape: (row: T) => R,
): Page<R> {
  const data = rows.slice(0, limit);
  return {
    data: data.map(shape),
    nextCursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null,
  };
}

/**
 * A contract change request (worker/domain's `ContractChangeRequest`), one variant per type; each
 * API adds its own date fields (`when`): the merchant API may omit the date, the portal may not.
 */
export function changeRequestSchema<const W extends v.ObjectEntries>(when: W) {
  return v.variant("type", [
    v.strictObject({ type: v.literal("switch_template"), templateId: IdOf("tpl"), ...when }),
    v.strictObject({
      type: v.literal("add_addon"),
      articleId: IdOf("art"),
      quantity: v.optional(QuantitySchema, 1),
      ...when,
    }),
    v.strictObject({ type: v.literal("remove_item"), itemId: IdOf("itm"), ...when }),
    v.strictObject({
      type: v.literal("change_quantity"),
      itemId: IdOf("itm"),
      quantity: QuantitySchema,
      ...when,
    }),
  ]);
}

export const EmailSchema = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.maxLength(254),
  v.email("must be an e-mail address"),
);

/** Length is what makes a password strong; 12 characters at least, any characters. */
export const NewPasswordSchema = v.pipe(
  v.string(),
  v.minLength(12, "must be at least 12 characters"),
  v.maxLength(256),
);

export const NewUserSchema = v.strictObject({
  email: EmailSchema,
  password: NewPasswordSchema,
  role: v.picklist(["owner", "accountant", "viewer"]),
});

// Building blocks of the response schemas: what the routes answer, for the OpenAPI document and
// the test helper that holds every response to it (test/workers/openapi-check.ts).

export const Int = v.pipe(v.number(), v.integer());
/** A calendar date the API answers, `2027-01-31`. */
export const DateOut = v.pipe(v.string(), v.isoDate());
/** An instant the API answers, `2027-01-31T10:00:00.000Z`. */
export const InstantOut = v.pipe(v.string(), v.isoTimestamp());
export const NullableText = v.nullable(v.string());

/**
 * The shaping function's value typed as the schema's output: a key the schema does not describe is
 * a type error here (a spread record would otherwise pass it on unseen).
 */
export function shaped<S extends v.GenericSchema>(_schema: S) {
  return <T extends v.InferOutput<S>>(
    value: T & { [K in Exclude<keyof T, keyof v.InferOutput<S>>]: never },
  ): v.InferOutput<S> => value;
}

/** A postal address as answered (company settings, customers' billing address). */
export const AddressOut = v.object({
  line1: v.string(),
  line2: v.optional(NullableText),
  postalCode: v.string(),
  city: v.string(),
  country: v.string(),
});

/** A back-office user as flows/users.ts `userResource` shapes it. */
export const UserResource = v.object({
  id: v.string(),
  email: v.string(),
  role: NewUserSchema.entries.role,
  createdAt: InstantOut,
});
/** A postal address as invoices print it (seller BG-5, buyer BG-8). */
export const AddressSchema = v.strictObject({
  line1: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, "must not be empty"),
    v.maxLength(MAX_ADDRESS_LINE),
  ),
  line2: v.optional(v.nullable(v.pipe(v.string(), v.trim(), v.maxLength(MAX_ADDRESS_LINE))), null),
  postalCode: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, "must not be empty"),
    v.maxLength(MAX_POSTAL_CODE),
  ),
  city: v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(MAX_CITY)),
  country: v.pipe(v.string(), v.check(isIsoCountry, "must be an ISO 3166-1 alpha-2 code like DE")),
});

/** An EU VAT ID in its country's format; spaces, dots and dashes are dropped. */
export const VatIdSchema = v.pipe(
  v.string(),
  v.transform(normalizeVatId),
  v.check(
    isValidVatId,
    "must be a VAT ID in its country's format, e.g. DE123456789 or ATU12345678",
  ),
);

export const IbanSchema = v.pipe(
  v.string(),
  v.transform((input) => electronicFormatIBAN(input) ?? ""),
  v.check((iban) => isValidIBAN(iban), "must be a valid IBAN"),
);
