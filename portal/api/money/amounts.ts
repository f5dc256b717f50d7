// Money arithmetic, in one place. Amounts are integers in the currency's minor units (pence, yen, fils), so sums are
// exact; the only rounding is the tax of each line, half away from zero, and the split of a discount across lines
// (largest remainder), so the lines always add up to the totals printed on an invoice.
import { z } from 'zod';

const digitsOf = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency: GBP 2, JPY 0, BHD 3 (from the runtime's ICU data, read once each). */
export function currencyDigits(currency: string): number {
  let digits = digitsOf.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    if (digitsOf.size < 400) digitsOf.set(currency, digits); // ISO 4217 has fewer than 200 codes
  }
  return digits;
}

/** Minor units as an exact decimal in major units, no float involved: (1234, 'GBP') → "12.34", (-5, 'BHD') → "-0.005". */
export function toDecimal(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new TypeError(`amount must be an integer number of minor units, got ${amount}`);
  const digits = currencyDigits(currency);
  const units = String(Math.abs(amount)).padStart(digits + 1, '0');
  return `${amount < 0 ? '-' : ''}${digits ? `${units.slice(0, -digits)}.${units.slice(-digits)}` : units}`;
}

const KNOWN = new Set(Intl.supportedValuesOf('currency'));
export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'use an ISO 4217 code, e.g. GBP')
  .refine((c) => KNOWN.has(c), 'is not a currency');

/** A price in minor units: whole, never negative, at most 10 million in major units of a 2-digit currency. */
export const minorUnits = z.number().int('use whole minor units (pence, cents)').min(0, 'cannot be negative').max(1_000_000_000, 'is too large');

export type TaxRateSnapshot = { name: string; percent: number };
export type LineInput = { quantity: number; unitAmount: number; taxRate: TaxRateSnapshot | null };
export type LineAmounts = { net: number; tax: number; gross: number };
export type Discount = { kind: 'percent' | 'amount'; value: number };
export type Totals = { subtotal: number; discount: number; tax: number; total: number };

/** Half away from zero: 2.5 → 3, -2.5 → -3. */
const round = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/** Splits `total` over `weights` in proportion, whole units, largest remainder first: the parts always sum to `total`. */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (!sum || !total) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/** The tax in an amount: taken out of it when prices include tax, added on top when they do not. */
export function taxOf(amount: number, percent: number, inclusive: boolean): LineAmounts {
  if (inclusive) {
    const tax = round((amount * percent) / (100 + percent));
    return { net: amount - tax, tax, gross: amount };
  }
  const tax = round((amount * percent) / 100);
  return { net: amount, tax, gross: amount + tax };
}

/** The discount in minor units, never more than what it applies to. */
export function discountAmount(discount: Discount | null | undefined, subtotal: number): number {
  if (!discount) return 0;
  const amount = discount.kind === 'percent' ? round((subtotal * discount.value) / 100) : discount.value;
  return Math.min(amount, subtotal);
}

/**
 * Each line's net, tax and gross after its share of the discount, and the totals. Tax is worked out per line (and
 * then summed), so every line on an invoice is right on its own; the discount is shared out in proportion to the lines.
 */
export function priceLines<L extends LineInput>(
  lines: L[],
  discount: Discount | null | undefined,
  inclusive: boolean,
): { lines: (L & LineAmounts)[]; totals: Totals } {
  const amounts = lines.map((l) => l.quantity * l.unitAmount);
  const subtotal = amounts.reduce((a, b) => a + b, 0);
  const off = discountAmount(discount, subtotal);
  const shares = allocate(off, amounts);
  const priced = lines.map((l, i) => ({ ...l, ...taxOf(amounts[i]! - shares[i]!, l.taxRate?.percent ?? 0, inclusive) }));
  const tax = priced.reduce((a, l) => a + l.tax, 0);
  const total = priced.reduce((a, l) => a + l.gross, 0);
  return { lines: priced, totals: { subtotal, discount: off, tax, total } };
}

/** Tax per named rate, for an invoice's breakdown. */
export function taxBreakdown(lines: (LineInput & LineAmounts)[]): { name: string; percent: number; net: number; tax: number }[] {
  const byRate = new Map<string, { name: string; percent: number; net: number; tax: number }>();
  for (const l of lines) {
    if (!l.taxRate) continue;
    const key = `${l.taxRate.name}|${l.taxRate.percent}`;
    const row = byRate.get(key) ?? { ...l.taxRate, net: 0, tax: 0 };
    row.net += l.net;
    row.tax += l.tax;
    byRate.set(key, row);
  }
  return [...byRate.values()];
}
