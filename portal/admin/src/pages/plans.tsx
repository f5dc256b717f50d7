// Membership plans: the list, and the editor of one plan (price and terms, perks, entitlements, discounts, rollover,
// freeze rules). A change applies to people who join after it: members keep the terms they joined on.
import type { FieldError } from '../../../shared/api.ts';
import { useEffect } from 'preact/hooks';
import { toMajor } from '../../../shared/money.ts';
import type { PageProps } from '../app.tsx';
import { go } from '../router.ts';
import type { Entitlement, Interval, Plan, Service } from '../types.ts';
import { CheckField, FormError, SelectField, TextField, fieldErrors, setNotice, useCan } from '../ui.tsx';
import { removeFrom, replaceIn, useDelete, useItemForm, type Built, EditorActions } from './catalogue-common.tsx';
import { amount, count, creditsText, EditorPage, ListPage, priceEvery, useCurrency, useServices } from './membership-parts.tsx';
import { BenefitRows, type DiscountForm, type EntitlementForm } from './plan-benefits.tsx';
import { t } from '../strings/index.ts';
import { tms } from '../strings/memberships.ts';

const P = tms.plans;
const M = tms.common;
const INTERVALS: Interval[] = ['week', 'month', 'year'];

export function PlansPage() {
  return (
    <ListPage<Plan>
      route="plans"
      path="plans"
      title={t.nav.plans}
      intro={P.intro}
      add={P.add}
      empty={P.empty}
      columns={[P.columns.price, P.columns.includes]}
      cells={(p) => [
        priceEvery(p.price, p.interval),
        p.entitlements.map((e) => `${e.name}: ${creditsText(e.unlimited, e.credits)}`).join('; ') || <span class="muted">{M.none}</span>,
      ]}
    />
  );
}

export type PlanForm = {
  name: string;
  description: string;
  price: string;
  currency: string;
  interval: Interval;
  joiningFee: string;
  trialDays: string;
  minimumTermPeriods: string;
  noticeDays: string;
  /** One perk a line. */
  perks: string;
  entitlements: EntitlementForm[];
  discounts: DiscountForm[];
  rollover: boolean;
  rolloverMax: string;
  rolloverPeriods: string;
  freezeAllowed: boolean;
  freezeDays: string;
  freezeFee: string;
  active: boolean;
};

const major = (amount: number, currency: string) => toMajor({ amount, currency });

function toForm(p: Plan | undefined, currency: string): PlanForm {
  const cur = p?.price.currency ?? currency;
  return {
    name: p?.name ?? '',
    description: p?.description ?? '',
    price: p ? major(p.price.amount, cur) : '',
    currency: cur,
    interval: p?.interval ?? 'month',
    joiningFee: p?.joiningFee ? major(p.joiningFee, cur) : '',
    trialDays: String(p?.trialDays ?? 0),
    minimumTermPeriods: String(p?.minimumTermPeriods ?? 1),
    noticeDays: String(p?.noticeDays ?? 0),
    perks: (p?.perks ?? []).join('\n'),
    entitlements: (p?.entitlements ?? []).map((e) => ({ ...e, credits: e.unlimited ? '' : String(e.credits) })),
    discounts: (p?.discounts ?? []).map((d) => ({ serviceIds: d.serviceIds, percent: String(d.percent) })),
    rollover: !!p?.rollover,
    rolloverMax: p?.rollover ? String(p.rollover.maxCredits) : '',
    rolloverPeriods: p?.rollover ? String(p.rollover.periods) : '1',
    freezeAllowed: p?.freeze.allowed ?? false,
    freezeDays: p?.freeze.allowed ? String(p.freeze.maxDaysPerYear) : '30',
    freezeFee: p?.freeze.fee ? major(p.freeze.fee, cur) : '',
    active: p?.active ?? true,
  };
}

/** The plan input, as the Admin API takes it; numbers left empty take the API's defaults' values. */
function toBody(f: PlanForm): Built {
  const problems: FieldError[] = [];
  const cur = f.currency;
  const body: Record<string, unknown> = { name: f.name.trim() };
  if (f.description.trim()) body.description = f.description.trim();
  const price = amount(f.price, cur, 'price', problems);
  if (price !== undefined) body.price = { amount: price, currency: cur };
  body.interval = f.interval;
  body.joiningFee = amount(f.joiningFee, cur, 'joiningFee', problems, 0);
  body.trialDays = count(f.trialDays, 'trialDays', problems, 0);
  body.minimumTermPeriods = count(f.minimumTermPeriods, 'minimumTermPeriods', problems, 1);
  body.noticeDays = count(f.noticeDays, 'noticeDays', problems, 0);
  body.perks = f.perks
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  body.entitlements = f.entitlements.map((e, i): Partial<Entitlement> => {
    const credits = e.unlimited ? 0 : count(e.credits, `entitlements.${i}.credits`, problems);
    return { ...(e.id ? { id: e.id } : {}), name: e.name.trim(), serviceIds: e.serviceIds, unlimited: e.unlimited, credits, whenOut: e.whenOut };
  });
  body.discounts = f.discounts.map((d, i) => ({ serviceIds: d.serviceIds, percent: count(d.percent, `discounts.${i}.percent`, problems) }));
  body.rollover = f.rollover
    ? { maxCredits: count(f.rolloverMax, 'rollover.maxCredits', problems), periods: count(f.rolloverPeriods, 'rollover.periods', problems) }
    : null;
  body.freeze = f.freezeAllowed
    ? {
        allowed: true,
        maxDaysPerYear: count(f.freezeDays, 'freeze.maxDaysPerYear', problems),
        fee: amount(f.freezeFee, cur, 'freeze.fee', problems, 0),
      }
    : { allowed: false, maxDaysPerYear: 0, fee: 0 };
  body.active = f.active;
  return { body, problems };
}

const SIMPLE = new Set(['name', 'description', 'interval', 'joiningFee', 'trialDays', 'minimumTermPeriods', 'noticeDays', 'perks', 'active']);
const ROW_FIELDS: Record<string, string[]> = {
  entitlements: ['name', 'serviceIds', 'credits', 'unlimited', 'whenOut'],
  discounts: ['serviceIds', 'percent'],
};

/** A problem's form key: the field's own, an entitlement's or discount's as `entitlements.<i>.<field>`. */
export function keyOf(path: string[]): string | undefined {
  const [a, b, c] = path as [string, string?, string?];
  if (a === 'price') return 'price';
  if (a === 'rollover') return `rollover.${b === 'periods' ? 'periods' : 'maxCredits'}`;
  if (a === 'freeze') return `freeze.${b === 'fee' ? 'fee' : 'maxDaysPerYear'}`;
  const fields = ROW_FIELDS[a];
  if (fields) return b && /^\d+$/.test(b) ? `${a}.${b}.${c && fields.includes(c) ? c : fields[0]}` : a;
  return SIMPLE.has(a) ? a : undefined;
}

function labels(f: PlanForm): Record<string, string> {
  const out: Record<string, string> = { ...P.fields };
  f.entitlements.forEach((_, i) => {
    for (const k of ROW_FIELDS.entitlements!) out[`entitlements.${i}.${k}`] = P.rowField(P.entitlement(i + 1), P.entitlementFields[k]!);
  });
  f.discounts.forEach((_, i) => {
    for (const k of ROW_FIELDS.discounts!) out[`discounts.${i}.${k}`] = P.rowField(P.discount(i + 1), P.discountFields[k]!);
  });
  return out;
}

function PlanEditor({ item, list, services }: { item?: Plan; list: Plan[]; services: Service[] }) {
  const can = useCan('admin');
  const currency = useCurrency();
  const f = useItemForm<Plan, PlanForm>({
    item,
    list: 'plans',
    toForm: (p) => toForm(p, currency),
    toBody,
    onSaved: (p) => {
      replaceIn('plans', list, p);
      if (item) return;
      setNotice(M.created(p.name));
      go('plans', p.id);
    },
  });
  const del = useDelete('plans', item, P.deleteConfirm, (p) => {
    removeFrom('plans', list, p.id);
    setNotice(M.deleted(p.name));
    go('plans');
  });
  const form = f.form;
  // A new plan is priced in the currency the business takes payments in.
  useEffect(() => {
    if (!item) f.setForm((old) => ({ ...old, currency }));
  }, [currency]);
  // Problems of the perks, one a line, read "Line n: …"; every other field's stand beside it as they are.
  const errors = { ...fieldErrors(f.error, keyOf, true), ...fieldErrors(f.error, (p) => (p[0] === 'perks' ? 'perks' : undefined)) };
  const id = (k: string) => `pl-${k}`;
  const text = (k: 'name' | 'description', rows?: number) => (
    <TextField
      id={id(k)}
      label={k === 'name' ? P.fields[k]! : M.optional(P.fields[k]!)}
      rows={rows}
      value={form[k]}
      onInput={(v) => f.set(k, v)}
      error={errors[k]}
      required={k === 'name'}
    />
  );
  const num = (
    k: 'trialDays' | 'minimumTermPeriods' | 'noticeDays' | 'rolloverMax' | 'rolloverPeriods' | 'freezeDays',
    key: string,
    hint?: string,
  ) => (
    <TextField
      id={id(key)}
      label={P.fields[key]!}
      hint={hint}
      type="number"
      inputMode="numeric"
      min={0}
      value={form[k]}
      onInput={(v) => f.set(k, v)}
      error={errors[key]}
    />
  );
  const money = (k: 'price' | 'joiningFee' | 'freezeFee', key: string, hint?: string) => (
    <TextField
      id={id(key)}
      label={`${P.fields[key]} (${form.currency})`}
      hint={hint}
      inputMode="decimal"
      value={form[k]}
      onInput={(v) => f.set(k, v)}
      error={errors[key]}
      required={k === 'price'}
    />
  );
  return (
    <form onSubmit={f.onSubmit} noValidate class="card plan-editor">
      <FormError error={f.error} keyOf={keyOf} labels={labels(form)} prefix="pl" plain />
      <fieldset disabled={!can} class="plain">
        {text('name')}
        {text('description', 3)}
        <div class="grid3">
          {money('price', 'price')}
          <SelectField
            id={id('interval')}
            label={P.fields.interval!}
            value={form.interval}
            onChange={(v) => f.set('interval', v as Interval)}
            options={INTERVALS.map((i) => [i, P.intervals[i]!])}
            error={errors.interval}
          />
          {money('joiningFee', 'joiningFee', P.joiningFeeHint)}
        </div>
        <h3 class="form-section">{P.terms}</h3>
        <div class="grid3">
          {num('trialDays', 'trialDays', P.trialHint)}
          {num('minimumTermPeriods', 'minimumTermPeriods', P.minimumTermHint(P.periods[form.interval]!))}
          {num('noticeDays', 'noticeDays', P.noticeHint)}
        </div>
        <h3 class="form-section">{P.benefits}</h3>
        <TextField
          id={id('perks')}
          label={P.fields.perks!}
          hint={P.perksHint}
          rows={3}
          value={form.perks}
          onInput={(v) => f.set('perks', v)}
          error={errors.perks}
        />
        <BenefitRows form={form} set={f.set} errors={errors} services={services} />
        <h3 class="form-section">{P.rolloverTitle}</h3>
        <CheckField id={id('rollover')} label={P.rollover} checked={form.rollover} onChange={(v) => f.set('rollover', v)} />
        {form.rollover && (
          <div class="grid2">
            {num('rolloverMax', 'rollover.maxCredits', P.rolloverMaxHint)}
            {num('rolloverPeriods', 'rollover.periods', P.rolloverPeriodsHint)}
          </div>
        )}
        <h3 class="form-section">{P.freezeTitle}</h3>
        <CheckField id={id('freeze')} label={P.freezeAllowed} checked={form.freezeAllowed} onChange={(v) => f.set('freezeAllowed', v)} />
        {form.freezeAllowed && (
          <div class="grid2">
            {num('freezeDays', 'freeze.maxDaysPerYear')}
            {money('freezeFee', 'freeze.fee', P.freezeFeeHint)}
          </div>
        )}
        <h3 class="form-section">{P.sale}</h3>
        <CheckField id={id('active')} label={P.fields.active!} checked={form.active} onChange={(v) => f.set('active', v)} error={errors.active} />
        {item && <p class="hint">{P.membersKeepTerms}</p>}
      </fieldset>
      <EditorActions can={can} form={f} del={del} save={item ? M.save : P.create} remove={item && P.delete} />
    </form>
  );
}

export function PlanPage({ param }: PageProps) {
  const services = useServices();
  return (
    <EditorPage<Plan> route="plans" path="plans" param={param} listTitle={t.nav.plans} newTitle={P.newTitle}>
      {(item, list) => <PlanEditor key={item?.id ?? 'new'} item={item} list={list} services={services.data?.items ?? []} />}
    </EditorPage>
  );
}
