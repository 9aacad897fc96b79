// Exact conversion of finAPI's JSON-number amounts (euros, e.g. 4111.3) into integer cents.
// Math.round(x * 100) is wrong for values like 1.005 or 4.35 because the product is computed in
// binary floating point; the shortest decimal representation of the double (what String()
// prints, and what JSON carried) is exact, so the conversion works on that text instead.

/**
 * Above 2^46 (~7·10^13 €) neighbouring doubles are more than a cent apart, so a double can no
 * longer name one cent amount unambiguously. The bound is far beyond any bank booking.
 */
export const MAX_FINAPI_AMOUNT = 10_000_000_000_000;

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

/**
 * Converts a finAPI amount in major units to signed integer cents, exactly.
 * Throws a RangeError for NaN, ±Infinity, |amount| > MAX_FINAPI_AMOUNT and amounts with more
 * than two decimals (e.g. 1.005, or 0.30000000000000004 from a float sum), which are never
 * bank amounts and must not be rounded silently.
 */
export function toCents(amount: number): number {
  if (typeof amount !== "number" || !Number.isFinite(amount)) {
    throw new RangeError(`amount must be a finite number, got ${String(amount)}`);
  }
  if (Math.abs(amount) > MAX_FINAPI_AMOUNT) {
    throw new RangeError(`amount ${String(amount)} is out of range`);
  }
  const cents = decimalToCents(String(amount));
  if (cents === null) throw new RangeError(`amount ${String(amount)} has more than 2 decimals`);
  return cents;
}

/** toCents for the nullable amount fields (originalAmount, compensationAmount, …). */
export function toCentsOrNull(amount: number | null | undefined): number | null {
  return amount === null || amount === undefined ? null : toCents(amount);
}

/** Integer cents back to the JSON number finAPI would send (used by the fake server). */
export function centsToAmount(cents: number): number {
  if (!Number.isSafeInteger(cents))
    throw new RangeError(`cents must be a safe integer, got ${cents}`);
  // Division of an exact integer by 100 rounds once, to the double nearest the decimal value.
  return cents / 100;
}

/** Parses a plain or exponent decimal string; null when it has more than two decimals. */
function decimalToCents(text: string): number | null {
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, sign = "", whole = "0", fraction = "", exponent = "0"] = match;
  const digits = BigInt(whole + fraction);
  // The value is digits × 10^(exponent − fraction.length); cents scale it by 10^2 more.
  const scale = Number(exponent) - fraction.length + 2;
  let cents: bigint;
  if (scale >= 0) {
    cents = digits * 10n ** BigInt(scale);
  } else {
    const divisor = 10n ** BigInt(-scale);
    if (digits % divisor !== 0n) return null;
    cents = digits / divisor;
  }
  const value = Number(sign === "-" ? -cents : cents);
  // Normalise −0 to 0 so equality and storage never see a negative zero.
  return value === 0 ? 0 : value;
}
