// Self-service changes, each in two steps: the API's preview (nothing changes yet) shown figure for figure, then the
// confirmation, which does exactly that. Freeze asks for a first day and a number of days; cancel has nothing to
// ask; a plan change asks for the new plan and passes back the preview's `at`, so the proration is the one shown.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CancelPreview, ChangePreview, Charge, FreezePreview, Membership, Plan } from '../../../shared/memberships.ts';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { browserZone, money, todayIn } from '../format.ts';
import { ErrorBox, Loading } from '../ui.tsx';
import { day, planPrice } from './plan.tsx';
import { tm } from '../strings/membership.ts';

export type ChangeKind = 'freeze' | 'cancel' | 'change';
type Done = (m: Membership, said: string) => void;
type PanelProps = { membership: Membership; done: Done; close: () => void };

/**
 * One change's two calls: `ask(body)` asks what would happen, `confirm()` does it with the same body (plus `extra`,
 * e.g. the preview's `at`) and tells `done` the membership and what `said` makes of the preview. A preview is
 * dropped when what it was asked for changes.
 */
function usePreview<P>(membership: Membership, kind: ChangeKind, done: Done, said: (preview: P) => string) {
  const path = `memberships/${encodeURIComponent(membership.id)}/${kind}`;
  const [preview, setPreview] = useState<{ body: object; answer: P } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async <T,>(call: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await call();
    } catch (err) {
      setError(asApiError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return {
    preview: preview?.answer,
    busy,
    error,
    ask: (body: object) => run(async () => setPreview({ body, answer: await api<P>(`${path}/preview`, 'POST', body) })),
    drop: () => {
      setPreview(null);
      setError(null);
    },
    confirm: async (extra: object = {}) => {
      const r = await run(() => api<{ membership: Membership; preview: P }>(path, 'POST', { ...preview!.body, ...extra }));
      if (r) done(r.membership, said(r.preview));
    },
  };
}

/** A titled panel whose heading takes focus when it opens, and again when its step changes. */
function Panel({ id, title, step, children }: { id: string; title: string; step: unknown; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [step]);
  return (
    <section class="card change" aria-labelledby={id}>
      <h3 id={id} tabIndex={-1} ref={heading}>
        {title}
      </h3>
      {children}
    </section>
  );
}

/** What `say` says of each item, as a list (each line its own key), or "None". */
function listOrNone<T>(list: T[], say: (item: T) => string) {
  return list.length ? (
    <ul class="plain">
      {list.map(say).map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  ) : (
    tm.none
  );
}

const chargeText = (c: Charge, currency: string) => tm.renewal(money(c.amount, currency), day(c.date));
const charges = (list: Charge[], currency: string) => listOrNone(list, (c) => chargeText(c, currency));
const chargeOrNone = (c: Charge | null, currency: string) => (c ? chargeText(c, currency) : tm.none);
const forfeits = (list: { name: string; remaining: number }[]) => listOrNone(list, (c) => tm.forfeit(c.remaining, c.name));

type ButtonsProps = { busy: boolean; confirm?: string; onConfirm?: () => void; back?: () => void; close: () => void; closeLabel?: string };

/** The panel's buttons: `confirm` (submitting the form around it when there is no `onConfirm`), Back, and Close. */
function Buttons(props: ButtonsProps) {
  return (
    <div class="actions">
      {props.confirm && (
        <button
          type={props.onConfirm ? 'button' : 'submit'}
          class="btn primary"
          disabled={props.busy}
          aria-busy={props.busy ? 'true' : undefined}
          onClick={props.onConfirm}
        >
          {props.confirm}
        </button>
      )}
      {props.back && (
        <button type="button" class="btn" disabled={props.busy} onClick={props.back}>
          {tm.back}
        </button>
      )}
      <button type="button" class="btn" disabled={props.busy} onClick={props.close}>
        {props.closeLabel ?? tm.close}
      </button>
    </div>
  );
}

/** The preview step: the preview figure for figure (`children`: a definition list's terms), any error, the buttons. */
function PreviewStep({ error, children, ...buttons }: ButtonsProps & { error: ApiError | null; children: ComponentChildren }) {
  return (
    <>
      <h4>{tm.previewHeading}</h4>
      <dl class="facts preview">{children}</dl>
      {error && <ErrorBox error={error} />}
      <Buttons {...buttons} />
    </>
  );
}

export function Freeze({ membership, done, close }: PanelProps) {
  const p = usePreview<FreezePreview>(membership, 'freeze', done, (r) => tm.frozenStatus(day(r.from), day(r.until)));
  const [from, setFrom] = useState(() => todayIn(browserZone()));
  const [days, setDays] = useState('7');
  const [invalid, setInvalid] = useState<{ from?: string; days?: string }>({});
  const f = p.preview;
  // The API's own complaint about a field (422) shows on that field.
  const said = (field: string) => p.error?.details.find((d) => d.field === field)?.message;
  const fromError = invalid.from ?? said('from');
  const daysError = invalid.days ?? said('days');

  const ask = (e: Event) => {
    e.preventDefault();
    const n = Number(days);
    const problems = {
      from: /^\d{4}-\d\d-\d\d$/.test(from) ? undefined : tm.dateInvalid,
      days: Number.isInteger(n) && n > 0 ? undefined : tm.freezeInvalid,
    };
    setInvalid(problems);
    if (problems.from || problems.days) return document.getElementById(problems.from ? 'freeze-from' : 'freeze-days')?.focus();
    void p.ask({ from, days: n });
  };

  return (
    <Panel id="freeze-title" title={tm.freezeTitle} step={!!f}>
      {!f ? (
        <form class="stack" onSubmit={ask} noValidate>
          <div class={`field${fromError ? ' invalid' : ''}`}>
            <label for="freeze-from">{tm.freezeFrom}</label>
            <input
              id="freeze-from"
              type="date"
              value={from}
              aria-invalid={fromError ? 'true' : undefined}
              aria-describedby={fromError ? 'freeze-from-error' : undefined}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
            {fromError && (
              <p class="field-error" id="freeze-from-error">
                {fromError}
              </p>
            )}
          </div>
          <div class={`field${daysError ? ' invalid' : ''}`}>
            <label for="freeze-days">{tm.freezeDays}</label>
            <input
              id="freeze-days"
              type="number"
              inputMode="numeric"
              min={1}
              max={membership.plan.freeze.maxDaysPerYear || undefined}
              value={days}
              aria-invalid={daysError ? 'true' : undefined}
              aria-describedby={`freeze-days-hint${daysError ? ' freeze-days-error' : ''}`}
              onInput={(e) => setDays(e.currentTarget.value)}
            />
            <p class="hint" id="freeze-days-hint">
              {tm.freezeDaysHint(membership.plan.freeze.maxDaysPerYear)}
            </p>
            {daysError && (
              <p class="field-error" id="freeze-days-error">
                {daysError}
              </p>
            )}
          </div>
          {p.error && !p.error.details.length && <ErrorBox error={p.error} />}
          <Buttons busy={p.busy} confirm={tm.preview} close={close} />
        </form>
      ) : (
        <PreviewStep error={p.error} busy={p.busy} confirm={tm.confirmFreeze} onConfirm={() => void p.confirm()} back={p.drop} close={close}>
          <dt>{tm.frozenFor}</dt>
          <dd>{tm.frozenSpan(day(f.from), day(f.until), f.days)}</dd>
          <dt>{tm.fee}</dt>
          <dd>{f.fee ? money(f.fee, f.currency) : tm.noFee}</dd>
          <dt>{tm.skipped}</dt>
          <dd>{charges(f.chargesSkipped, f.currency)}</dd>
          <dt>{tm.nextCharge}</dt>
          <dd>{chargeOrNone(f.nextCharge, f.currency)}</dd>
          <dt>{tm.creditsNote}</dt>
          <dd>{f.credits}</dd>
          <dt>{tm.daysLeft}</dt>
          <dd>{f.daysLeftThisYear}</dd>
        </PreviewStep>
      )}
    </Panel>
  );
}

export function Cancel({ membership, done, close }: PanelProps) {
  const p = usePreview<CancelPreview>(membership, 'cancel', done, (r) => tm.cancelledStatus(day(r.effectiveDate)));
  const c = p.preview;
  useEffect(() => void p.ask({}), []);
  return (
    <Panel id="cancel-title" title={tm.cancelTitle} step={!!c}>
      {!c ? (
        p.error ? (
          <>
            <ErrorBox error={p.error} retry={() => p.ask({})} />
            <Buttons busy={p.busy} close={close} />
          </>
        ) : (
          <Loading />
        )
      ) : (
        <PreviewStep error={p.error} busy={p.busy} confirm={tm.confirmCancel} onConfirm={() => void p.confirm()} close={close} closeLabel={tm.keep}>
          <dt>{tm.effective}</dt>
          <dd>
            {day(c.effectiveDate)}
            <br />
            <span class="muted">{c.reason}</span>
          </dd>
          <dt>{tm.remaining}</dt>
          <dd>{charges(c.remainingCharges, c.currency)}</dd>
          <dt>{tm.lastCharge}</dt>
          <dd>{chargeOrNone(c.lastCharge, c.currency)}</dd>
          <dt>{tm.forfeited}</dt>
          <dd>{forfeits(c.creditsForfeited)}</dd>
          <dt>{tm.fee}</dt>
          <dd>{c.fee ? money(c.fee, c.currency) : tm.noFee}</dd>
        </PreviewStep>
      )}
    </Panel>
  );
}

export function ChangePlan({ membership, plans, done, close }: PanelProps & { plans: Plan[] }) {
  const p = usePreview<ChangePreview>(membership, 'change', done, (r) => tm.changedStatus(r.to.name));
  const others = plans.filter((x) => x.id !== membership.plan.id);
  const [planId, setPlanId] = useState(others[0]?.id ?? '');
  const c = p.preview;
  const ask = (e: Event) => {
    e.preventDefault();
    if (planId) void p.ask({ planId });
  };
  const proration = c?.proration;
  return (
    <Panel id="change-title" title={tm.changeTitle} step={!!c}>
      {!c ? (
        others.length ? (
          <form class="stack" onSubmit={ask}>
            <fieldset>
              <legend>{tm.choosePlan}</legend>
              {others.map((x) => (
                <div class="check" key={x.id}>
                  <input type="radio" id={`change-${x.id}`} name="change-plan" checked={planId === x.id} onChange={() => setPlanId(x.id)} />
                  <label for={`change-${x.id}`}>
                    {x.name} <span class="muted">{planPrice(x)}</span>
                  </label>
                </div>
              ))}
            </fieldset>
            {p.error && <ErrorBox error={p.error} />}
            <Buttons busy={p.busy} confirm={tm.preview} close={close} />
          </form>
        ) : (
          <>
            <p>{tm.noOtherPlans}</p>
            <Buttons busy={false} close={close} />
          </>
        )
      ) : (
        <PreviewStep
          error={p.error}
          busy={p.busy}
          confirm={tm.confirmChange(c.to.name)}
          onConfirm={() => void p.confirm({ at: c.at })}
          back={p.drop}
          close={close}
        >
          <dt>{tm.from}</dt>
          <dd>
            {c.from.name} <span class="muted">{money(c.from.price.amount, c.from.price.currency)}</span>
          </dd>
          <dt>{tm.to}</dt>
          <dd>
            {c.to.name} <span class="muted">{money(c.to.price.amount, c.to.price.currency)}</span>
          </dd>
          <dt>{proration!.amount > 0 ? tm.chargedNow : proration!.amount < 0 ? tm.creditedNext : tm.nothingNow}</dt>
          <dd>
            {money(Math.abs(proration!.amount), proration!.currency)}
            {proration!.description && (
              <>
                <br />
                <span class="muted">{proration!.description}</span>
              </>
            )}
          </dd>
          <dt>{tm.nextCharge}</dt>
          <dd>{chargeOrNone(c.nextCharge, c.to.price.currency)}</dd>
          <dt>{tm.forfeited}</dt>
          <dd>{forfeits(c.creditsForfeited)}</dd>
          <dt>{tm.granted}</dt>
          <dd>{listOrNone(c.creditsGranted, (g) => (g.unlimited ? tm.unlimited(g.name) : tm.grantedCredits(g.credits, g.name)))}</dd>
        </PreviewStep>
      )}
    </Panel>
  );
}
