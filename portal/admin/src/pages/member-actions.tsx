// What staff change on a membership: freeze it, cancel it, move it to another plan. Each asks the API for a preview
// first (nothing changes) and shows it; confirming sends exactly what was previewed. An override (with a reason,
// kept in the audit log) lets staff go past the plan's terms: a cancellation then ends it now, a freeze ignores the
// yearly limit. Changing any input throws the preview away, so what is confirmed is always what was shown.
import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type FieldError } from '../../../shared/api.ts';
import { formatMoney, moneyIn } from '../../../shared/money.ts';
import type { CancelPreview, ChangePreview, Charge, Forfeit, FreezePreview, StaffMembership } from '../types.ts';
import { CheckField, FormError, SelectField, TextField, fieldErrors, localError, useSubmit } from '../ui.tsx';
import { creditsText, formatDay, priceEvery, useFreshPlans } from './membership-parts.tsx';
import { tms } from '../strings/memberships.ts';

const A = tms.actions;
const enc = encodeURIComponent;
const REASON_MAX = 200;

type Kind = 'freeze' | 'cancel' | 'change';
type Done = { membership: StaffMembership };
type Row = [label: string, value: ComponentChildren];
/** A membership changed, and what to say about it. */
export type OnChange = (m: StaffMembership, said: string) => void;
type ActionProps = { m: StaffMembership; onChange: OnChange };

/** A preview as a definition list; rows without a value are left out. */
function Facts({ rows, testId }: { rows: (Row | false)[]; testId: string }) {
  return (
    <dl class="facts preview" data-testid={testId}>
      {rows
        .filter((r): r is Row => !!r)
        .map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </Fragment>
        ))}
    </dl>
  );
}

const charges = (list: Charge[], money: (n: number) => string): ComponentChildren =>
  list.length ? (
    <ul class="plain-list">
      {list.map((c) => (
        <li key={c.date}>{A.charge(formatDay(c.date), money(c.amount))}</li>
      ))}
    </ul>
  ) : (
    A.noCharges
  );
const chargeOrNone = (c: Charge | null, money: (n: number) => string): string => (c ? A.charge(formatDay(c.date), money(c.amount)) : A.noCharges);
const forfeits = (list: Forfeit[]): ComponentChildren => (list.length ? list.map((f) => A.forfeit(f.name, f.remaining)).join('; ') : A.nothing);

/**
 * One change (`kind`, which names its words and whether the customer may make it themselves): its inputs, the
 * override and its reason, the Preview button, then the preview and the Confirm button. `body` builds the request
 * from the inputs (throwing a `localError` for a field); `inputs` names them, so a change to any input clears the
 * preview.
 */
function PreviewAction<P>(
  props: ActionProps & {
    kind: Kind;
    intro: string;
    inputs: string;
    fields?: (errors: Partial<Record<string, string>>) => ComponentChildren;
    labels?: Record<string, string>;
    body: () => Record<string, unknown>;
    confirmExtra?: (preview: P) => Record<string, unknown>;
    /** The preview's rows, as `Facts` shows them. */
    rows: (preview: P) => (Row | false)[];
  },
) {
  const { m, kind } = props;
  const S = A[kind];
  const [open, setOpen] = useState(false);
  const [override, setOverride] = useState(false);
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<{ sent: Record<string, unknown>; answer: P } | null>(null);
  const f = useSubmit();
  const opener = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLFormElement>(null);
  const id = (k: string) => `${kind}-${k}`;
  const keys = new Set([...Object.keys(props.labels ?? {}), 'reason']);
  const keyOf = (p: string[]) => (keys.has(p[0]!) ? p[0] : undefined);
  const errors = fieldErrors(f.error, keyOf, true);
  useEffect(() => setPreview(null), [props.inputs, override, reason]);
  useEffect(() => {
    if (open) box.current?.querySelector<HTMLElement>('input, select, button')?.focus();
  }, [open]);
  const close = () => {
    setOpen(false);
    setPreview(null);
    f.setError(null);
    requestAnimationFrame(() => opener.current?.focus());
  };
  const onPreview = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const problems: FieldError[] = [];
      const r = reason.trim();
      if (override && !r) problems.push({ field: 'reason', message: A.reasonRequired });
      if (r.length > REASON_MAX) problems.push({ field: 'reason', message: A.reasonTooLong(REASON_MAX) });
      const body = props.body(); // throws its own fields' problems
      if (problems.length) throw localError(problems);
      const sent = { ...body, ...(override ? { override: true, reason: r } : {}) };
      const answer = await api<P>(`memberships/${enc(m.id)}/${kind}/preview`, 'POST', sent);
      setPreview({ sent, answer });
      requestAnimationFrame(() => document.getElementById(id('preview-h'))?.focus());
    });
  };
  const onConfirm = () =>
    f.submit(async () => {
      if (!preview) return;
      const extra = props.confirmExtra?.(preview.answer) ?? {};
      const done = await api<Done>(`memberships/${enc(m.id)}/${kind}`, 'POST', { ...preview.sent, ...extra });
      setPreview(null);
      setOpen(false);
      setOverride(false);
      setReason('');
      // Said on the page, above: an ended membership has no actions left to say it in.
      props.onChange(done.membership, S.done);
    });
  return (
    <section class="card" aria-labelledby={id('h')}>
      <h2 id={id('h')}>{S.title}</h2>
      <p class="hint">{props.intro}</p>
      {!m.can[kind] && <p class="note">{A.blocked}</p>}
      {!open ? (
        <button ref={opener} type="button" class="btn" aria-expanded="false" onClick={() => setOpen(true)}>
          {S.title}
        </button>
      ) : (
        <form ref={box} onSubmit={onPreview} noValidate onKeyDown={(e) => e.key === 'Escape' && close()}>
          <FormError error={f.error} keyOf={keyOf} labels={{ ...props.labels, reason: A.reason }} prefix={kind} plain />
          {props.fields?.(errors)}
          <CheckField id={id('override')} label={A.override} checked={override} onChange={setOverride} />
          {override && (
            <TextField
              id={id('reason')}
              label={A.reason}
              hint={A.reasonHint(REASON_MAX)}
              value={reason}
              onInput={setReason}
              error={errors.reason}
              required
            />
          )}
          <div class="actions">
            <button type="submit" class="btn">
              {A.preview}
            </button>
            <button type="button" class="btn" onClick={close}>
              {A.close}
            </button>
          </div>
          {preview && (
            <section class="preview-box" aria-labelledby={id('preview-h')}>
              <h3 id={id('preview-h')} tabIndex={-1}>
                {A.previewTitle}
              </h3>
              <Facts testId={id('preview')} rows={props.rows(preview.answer)} />
              <div class="actions">
                <button type="button" class="btn danger" disabled={f.busy} onClick={() => void onConfirm()}>
                  {S.confirm}
                </button>
              </div>
            </section>
          )}
        </form>
      )}
    </section>
  );
}

/** Today in the browser's calendar, the first day a freeze may start. */
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

function Freeze(props: ActionProps) {
  const { m } = props;
  const [from, setFrom] = useState(today);
  const [days, setDays] = useState('14');
  const rules = m.plan.freeze;
  const money = moneyIn(m.plan.price.currency);
  return (
    <PreviewAction<FreezePreview>
      {...props}
      kind="freeze"
      intro={rules.allowed ? A.freeze.rules(rules.maxDaysPerYear, rules.fee ? money(rules.fee) : '') : A.freeze.notAllowed}
      inputs={`${from}|${days}`}
      labels={{ from: A.freeze.from, days: A.freeze.days }}
      fields={(errors) => (
        <div class="grid2">
          <TextField id="freeze-from" label={A.freeze.from} type="date" value={from} onInput={setFrom} error={errors.from} required />
          <TextField
            id="freeze-days"
            label={A.freeze.days}
            type="number"
            inputMode="numeric"
            min={1}
            value={days}
            onInput={setDays}
            error={errors.days}
            required
          />
        </div>
      )}
      body={() => {
        const n = /^\d{1,3}$/.test(days.trim()) ? Number(days) : 0;
        const problems: FieldError[] = [];
        if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) problems.push({ field: 'from', message: A.freeze.fromInvalid });
        if (n < 1) problems.push({ field: 'days', message: A.freeze.daysInvalid });
        if (problems.length) throw localError(problems);
        return { from, days: n };
      }}
      rows={(p) => {
        const cur = moneyIn(p.currency);
        return [
          [A.freeze.period, A.freeze.periodText(formatDay(p.from), formatDay(p.until), p.days)],
          [A.freeze.daysLeft, String(p.daysLeftThisYear)],
          [A.fee, p.fee ? cur(p.fee) : A.noFee],
          [A.freeze.skipped, charges(p.chargesSkipped, cur)],
          [A.nextCharge, chargeOrNone(p.nextCharge, cur)],
          [A.credits, p.credits],
        ];
      }}
    />
  );
}

function Cancel(props: ActionProps) {
  return (
    <PreviewAction<CancelPreview>
      {...props}
      kind="cancel"
      intro={A.cancel.intro}
      inputs=""
      body={() => ({})}
      rows={(p) => {
        const cur = moneyIn(p.currency);
        return [
          [A.cancel.effective, p.effective === 'now' ? A.cancel.now : formatDay(p.effectiveDate)],
          [A.cancel.why, p.reason],
          [A.cancel.remaining, charges(p.remainingCharges, cur)],
          [A.cancel.last, chargeOrNone(p.lastCharge, cur)],
          [A.forfeited, forfeits(p.creditsForfeited)],
          [A.fee, p.fee ? cur(p.fee) : A.noFee],
        ];
      }}
    />
  );
}

function Change(props: ActionProps) {
  const { m } = props;
  const plans = useFreshPlans();
  // A change keeps the billing cycle and currency (the API refuses others): only plans that can be chosen are offered.
  const others = (plans.data?.items ?? []).filter(
    (p) => p.active && p.id !== m.plan.id && p.interval === m.plan.interval && p.price.currency === m.plan.price.currency,
  );
  const [planId, setPlanId] = useState('');
  return (
    <PreviewAction<ChangePreview>
      {...props}
      kind="change"
      intro={A.change.intro}
      inputs={planId}
      labels={{ planId: A.change.plan }}
      fields={(errors) => (
        <SelectField
          id="change-planId"
          label={A.change.plan}
          hint={plans.data && !others.length ? A.change.noPlans : undefined}
          value={planId}
          onChange={setPlanId}
          options={[['', A.change.choose], ...others.map((p): [string, string] => [p.id, `${p.name} · ${priceEvery(p.price, p.interval)}`])]}
          error={errors.planId}
        />
      )}
      body={() => {
        if (!planId) throw localError([{ field: 'planId', message: A.change.choosePlan }]);
        return { planId };
      }}
      confirmExtra={(p) => ({ at: p.at })}
      rows={(p) => {
        const cur = moneyIn(p.proration.currency);
        const amount = p.proration.amount;
        return [
          [A.change.from, `${p.from.name} · ${formatMoney(p.from.price)}`],
          [A.change.to, `${p.to.name} · ${formatMoney(p.to.price)}`],
          [
            A.change.proration,
            `${amount > 0 ? A.change.chargeNow(cur(amount)) : amount < 0 ? A.change.creditNext(cur(-amount)) : A.nothing}${p.proration.description ? ` (${p.proration.description})` : ''}`,
          ],
          [A.nextCharge, chargeOrNone(p.nextCharge, cur)],
          [A.forfeited, forfeits(p.creditsForfeited)],
          [
            A.change.granted,
            p.creditsGranted.length ? p.creditsGranted.map((g) => `${g.name}: ${creditsText(g.unlimited, g.credits)}`).join('; ') : A.nothing,
          ],
        ];
      }}
    />
  );
}

export function MemberActions(props: ActionProps) {
  return (
    <>
      <Freeze {...props} />
      <Cancel {...props} />
      <Change {...props} />
    </>
  );
}
