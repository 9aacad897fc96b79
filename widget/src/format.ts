// Money, date and percentage formatting through Intl for the widget's two locales (de-DE,
// en-GB). Amounts arrive as integer minor units; dates as merchant-local `YYYY-MM-DD`.
import type { Cents, IsoDate, TaxRateBp } from "./portal-api.js";

export type Locale = "de" | "en";

const TAGS: Record<Locale, string> = { de: "de-DE", en: "en-GB" };

/** "en-US" → en, "de-AT" → de; anything else → null (the caller picks the fallback). */
export function toLocale(value: string | null | undefined): Locale | null {
  const lower = value?.toLowerCase() ?? "";
  if (lower.startsWith("de")) return "de";
  if (lower.startsWith("en")) return "en";
  return null;
}

export interface Formatters {
  /** `signed` shows "+" on charges, for lines that can go either way. */
  money(cents: Cents, currency: string, signed?: boolean): string;
  date(date: IsoDate): string;
  /** An exclusive-end period shown by its first and last day. */
  span(start: IsoDate, endExclusive: IsoDate): string;
  percent(rate: TaxRateBp): string;
}

/** Calendar dates carry no time zone: read and print them in UTC so no offset shifts the day. */
function utcDate(date: IsoDate): Date {
  return new Date(`${date}T00:00:00Z`);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = utcDate(date);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const cache = new Map<string, Formatters>();

export function formatters(locale: Locale): Formatters {
  const cached = cache.get(locale);
  if (cached) return cached;
  const tag = TAGS[locale];
  const numberFormats = new Map<string, Intl.NumberFormat>();
  const numberFormat = (currency: string, signed: boolean) => {
    const key = `${currency}:${signed}`;
    let format = numberFormats.get(key);
    if (!format) {
      format = new Intl.NumberFormat(tag, {
        style: "currency",
        currency,
        signDisplay: signed ? "exceptZero" : "auto",
      });
      numberFormats.set(key, format);
    }
    return format;
  };
  const dateFormat = new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeZone: "UTC" });
  const percentFormat = new Intl.NumberFormat(tag, { style: "percent", maximumFractionDigits: 2 });
  const result: Formatters = {
    money(cents, currency, signed = false) {
      const format = numberFormat(currency, signed);
      const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
      // A real minus sign (U+2212): screen readers say "minus", and it lines up with "+".
      return format
        .formatToParts(cents / 10 ** digits)
        .map((part) => (part.type === "minusSign" ? "\u2212" : part.value))
        .join("");
    },
    date: (date) => dateFormat.format(utcDate(date)),
    span(start, endExclusive) {
      const last = addDays(endExclusive, -1);
      return last <= start ? result.date(start) : `${result.date(start)} – ${result.date(last)}`;
    },
    percent: (rate) => percentFormat.format(rate / 10_000),
  };
  cache.set(locale, result);
  return result;
}
