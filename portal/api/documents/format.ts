// Money and date formatting for invoices, credit notes and receipts (the PDF now, the accountant's CSV later).
// Amounts are integers in minor units; how many digits a currency has comes from Intl, never from a table of ours.

const formatters = new Map<string, Intl.NumberFormat>();
const dateFormatters = new Map<string, Intl.DateTimeFormat>();
/** Formatter caches' bound (Intl formatters are slow to build): locales come from requests, so the set is open; a handful is ever in use. */
const MAX_FORMATTERS = 200;

function currencyFormatter(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, formatter);
  }
  return formatter;
}

const digits = new Map<string, number>();
/** Digits after the decimal point of `currency`'s minor unit: JPY 0, GBP 2, BHD 3. */
export function currencyDigits(currency: string): number {
  let n = digits.get(currency);
  if (n === undefined) {
    n = currencyFormatter(currency, 'en').resolvedOptions().maximumFractionDigits ?? 2;
    digits.set(currency, n);
  }
  return n;
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
  const key = `${locale}|${timeZone}`;
  let formatter = dateFormatters.get(key);
  if (!formatter) {
    if (dateFormatters.size >= MAX_FORMATTERS) dateFormatters.clear();
    formatter = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone });
    dateFormatters.set(key, formatter);
  }
  return formatter.format(new Date(iso));
}
