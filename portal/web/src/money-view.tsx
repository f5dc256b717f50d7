// What a tab and a money document show alike: their lines ("2 × £4.50 · VAT 20%", amount) and their totals.
import type { ComponentChildren } from 'preact';
import type { LineTax } from '../../shared/types.ts';
import { money } from './format.ts';
import { t } from './strings/index.ts';

const M = t.money;

type Line = { description: string; quantity: number; unitAmount: number; taxRate: LineTax | null };

export const taxName = (r: LineTax): string => M.taxRate(r.name, r.percent);

/** A two-column table (item with its quantity, unit price and tax rate; amount before any discount). */
export function LinesTable({ lines, currency, caption }: { lines: Line[]; currency: string; caption: string }) {
  return (
    <table class="lines-table">
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{M.item}</th>
          <th scope="col" class="num">
            {M.amount}
          </th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l, i) => (
          <tr key={i}>
            <td>
              <span class="break">{l.description}</span>
              <span class="line-meta">
                {M.quantity(l.quantity, money(l.unitAmount, currency))}
                {l.taxRate && <> · {taxName(l.taxRate)}</>}
              </span>
            </td>
            <td class="num">{money(l.quantity * l.unitAmount, currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export type TotalRow = { label: ComponentChildren; amount: number; negative?: boolean; strong?: boolean };

/** Totals as label/amount pairs, the last one (the total) emphasised by the caller's `strong`. */
export function Totals({ rows, currency }: { rows: TotalRow[]; currency: string }) {
  return (
    <dl class="totals">
      {rows.map((r, i) => (
        <div key={i} class={r.strong ? 'total' : undefined}>
          <dt>{r.label}</dt>
          <dd>{r.negative ? `−${money(r.amount, currency)}` : money(r.amount, currency)}</dd>
        </div>
      ))}
    </dl>
  );
}
