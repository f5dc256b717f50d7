// Shared by the browser apps: money. The APIs speak integer minor units of an ISO 4217 currency; people type and
// read major units ("12.50"). This is the one place that converts between them, exactly (strings, not floats), by
// the currency's own number of decimals: GBP 2, JPY 0, BHD 3.
import type { Money } from './types.ts';

const digitsOf = new Map<string, number>();

/** Digits of a currency's minor unit (GBP 2, JPY 0, BHD 3); 2 for a code Intl does not know. */
export function minorDigits(currency: string): number {
  let d = digitsOf.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsOf.set(currency, d);
  }
  return d;
}

/**
 * "12.5" → 1250 for GBP, "1500" → 1500 for JPY: a typed amount in minor units, or undefined when it is not one
 * (empty, a sign, a thousands separator, more decimals than the currency has, or too large to count exactly).
 */
export function toMinor(major: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const m = /^(\d*)(?:\.(\d*))?$/.exec(major.trim());
  if (!m || !(m[1] || m[2]) || (m[2] ?? '').length > digits) return undefined;
  const n = Number((m[1] || '0') + (m[2] ?? '').padEnd(digits, '0'));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** 1250 GBP → "12.50", -5 GBP → "-0.05", 1500 JPY → "1500": the value an amount input starts with. */
export function toMajor(money: Money): string {
  const digits = minorDigits(money.currency);
  const abs = String(Math.abs(money.amount)).padStart(digits + 1, '0');
  const sign = money.amount < 0 ? '-' : '';
  return digits ? `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}` : `${sign}${abs}`;
}

/** The page's language (`<html lang>`); undefined, the runtime's own, outside a page (this module's unit tests). */
const pageLang = (): string | undefined =>
  (globalThis as { document?: { documentElement: { lang: string } } }).document?.documentElement.lang || undefined;

/** 1250 GBP → "£12.50" in the page's language, by the currency's digits. */
export function formatMoney(money: Money): string {
  try {
    return new Intl.NumberFormat(pageLang(), { style: 'currency', currency: money.currency }).format(
      money.amount / 10 ** minorDigits(money.currency),
    );
  } catch {
    return `${toMajor(money)} ${money.currency}`;
  }
}

/** Formats amounts of one currency: `const money = moneyIn('GBP'); money(1250)` → "£12.50". */
export const moneyIn =
  (currency: string) =>
  (amount: number): string =>
    formatMoney({ amount, currency });
