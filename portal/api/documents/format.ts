// Money and date formatting for invoices, credit notes and receipts (the PDF now, the accountant's CSV later).
// Amounts are integers in minor units; how many digits a currency has comes from Intl, never from a table of ours.
import { toDecimal } from '../money/amounts.ts';

/** Intl formatters are slow to build, so each is built once per locale; locales come from requests, an open set. */
const MAX_CACHED = 200;
const currencyFormatters = new Map<string, Intl.NumberFormat>();
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

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

/**
 * `amount` minor units of `currency` as the locale writes them: formatMoney(1234, 'GBP') is "£12.34",
 * formatMoney(1234, 'JPY') "¥1,234", formatMoney(1234, 'BHD') "BHD 1.234". The amount goes to Intl as an exact
 * decimal string, so no float rounding creeps in whatever its size.
 */
export function formatMoney(amount: number, currency: string, locale = 'en'): string {
  return currencyFormatter(currency, locale).format(toDecimal(amount, currency) as Intl.StringNumericLiteral);
}

/** A calendar date with the month in words (unambiguous in any locale: "March 3, 2026"), on the clock of `timeZone`. */
export function formatDate(iso: string, timeZone: string, locale = 'en'): string {
  return cached(dateFormatters, `${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone })).format(
    new Date(iso),
  );
}
