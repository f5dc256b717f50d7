// Money and date formatting for invoices, credit notes and receipts (the PDF now, the accountant's CSV later).
// Amounts are integers in minor units; how many digits a currency has comes from Intl, never from a table of ours.

/** Intl formatters are slow to build, so each is built once per locale; locales come from requests, an open set. */
const MAX_CACHED = 200;
const currencyFormatters = new Map<string, Intl.NumberFormat>();
const dateFormatters = new Map<string, Intl.DateTimeFormat>();
const minorDigits = new Map<string, number>();

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

const currencyFormatter = (currency: string, locale: string) =>
  cached(currencyFormatters, `${locale}|${currency}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency }));

/** Digits after the decimal point of `currency`'s minor unit: JPY 0, GBP 2, BHD 3. */
export function currencyDigits(currency: string): number {
  return cached(minorDigits, currency, () => currencyFormatter(currency, 'en').resolvedOptions().maximumFractionDigits ?? 2);
}

/**
 * `amount` minor units of `currency` as the locale writes them: formatMoney(1234, 'GBP') is "£12.34",
 * formatMoney(1234, 'JPY') "¥1,234", formatMoney(1234, 'BHD') "BHD 1.234". The amount goes to Intl as an exact
 * decimal string, so no float rounding creeps in whatever its size.
 */
export function formatMoney(amount: number, currency: string, locale = 'en'): string {
  if (!Number.isSafeInteger(amount)) throw new TypeError(`amount must be an integer number of minor units, got ${amount}`);
  const digits = currencyDigits(currency);
  const sign = amount < 0 ? '-' : '';
  const units = String(Math.abs(amount)).padStart(digits + 1, '0');
  const decimal = digits ? `${units.slice(0, -digits)}.${units.slice(-digits)}` : units;
  return currencyFormatter(currency, locale).format(`${sign}${decimal}` as Intl.StringNumericLiteral);
}

/** A calendar date with the month in words (unambiguous in any locale: "March 3, 2026"), on the clock of `timeZone`. */
export function formatDate(iso: string, timeZone: string, locale = 'en'): string {
  return cached(dateFormatters, `${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone })).format(new Date(iso));
}
