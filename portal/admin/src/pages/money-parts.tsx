// What a tab at the point of sale and an issued document show alike: their lines as a table, and their sums
// (subtotal, discount, tax, tip, total), in their currency.
import { Fragment, type ComponentChildren } from 'preact';
import { moneyIn } from '../../../shared/money.ts';
import type { LineTax } from '../types.ts';
import { tm } from '../strings/money.ts';

const S = tm.sums;
type Line = { description: string; quantity: number; unitAmount: number; taxRate: LineTax | null; gross: number };

/** The lines; `action` adds a last column (e.g. a tab's "Remove"). */
export function LinesTable<L extends Line>(props: { lines: L[]; currency: string; labelledBy: string; action?: (line: L) => ComponentChildren }) {
  const money = moneyIn(props.currency);
  const C = S.lineColumns;
  return (
    <div class="table-wrap">
      <table class="list lines" aria-labelledby={props.labelledBy}>
        <thead>
          <tr>
            <th scope="col">{C.description}</th>
            <th scope="col" class="num">
              {C.quantity}
            </th>
            <th scope="col" class="num">
              {C.unit}
            </th>
            <th scope="col">{C.tax}</th>
            <th scope="col" class="num">
              {C.amount}
            </th>
            {props.action && <td />}
          </tr>
        </thead>
        <tbody>
          {props.lines.map((l, i) => (
            <tr key={i}>
              <td class="wrap">{l.description}</td>
              <td class="num">× {l.quantity}</td>
              <td class="num">{money(l.unitAmount)}</td>
              <td>{l.taxRate ? l.taxRate.name : <span class="muted">{S.noTax}</span>}</td>
              <td class="num">{money(l.gross)}</td>
              {props.action && <td class="row-actions">{props.action(l)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Amounts = { subtotal: number; discount: number; tax: number; total: number; tip?: number; paid?: number };

/** Subtotal, discount, tax (included or added), total, then what was tipped and paid when there was any. */
export function Sums(props: { amounts: Amounts; currency: string; taxInclusive: boolean; totalLabel?: string; testId?: string }) {
  const { amounts: a } = props;
  const money = moneyIn(props.currency);
  const rows: [label: string, value: string, cls?: string][] = [
    [S.subtotal, money(a.subtotal)],
    ...(a.discount > 0 ? [[S.discount, `−${money(a.discount)}`] as [string, string]] : []),
    [S.tax(props.taxInclusive), money(a.tax)],
    ...(a.tip ? [[S.tip, money(a.tip)] as [string, string]] : []),
    [props.totalLabel ?? S.total, money(a.total), 'total'],
    ...(a.paid !== undefined ? [[S.paid, money(a.paid)] as [string, string]] : []),
  ];
  return (
    <dl class="totals" data-testid={props.testId}>
      {rows.map(([label, value, cls]) => (
        <Fragment key={label}>
          <dt class={cls}>{label}</dt>
          <dd class={cls}>{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
