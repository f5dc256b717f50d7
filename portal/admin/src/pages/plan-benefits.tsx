// A plan's entitlements (credits for chosen services each period, or unlimited; when out of credits, pay or be
// refused) and discounts (a percentage off chosen services): rows staff add and remove in the plan editor.
import type { ComponentChildren } from 'preact';
import type { Service, WhenOut } from '../types.ts';
import { CheckField, RadioGroup, TextField, type Errors } from '../ui.tsx';
import { ServicePicker } from './membership-parts.tsx';
import type { PlanForm } from './plans.tsx';
import { tms } from '../strings/memberships.ts';

const P = tms.plans;
export type EntitlementForm = { id?: string; name: string; serviceIds: string[]; unlimited: boolean; credits: string; whenOut: WhenOut };
export type DiscountForm = { serviceIds: string[]; percent: string };

type Set = <K extends keyof PlanForm>(k: K, v: PlanForm[K]) => void;

/** Rows of one kind with their Add and Remove buttons; a new row's first field takes focus, a removal the Add button. */
function Rows<T>(props: {
  kind: 'entitlements' | 'discounts';
  legend: string;
  hint: string;
  rows: T[];
  fresh: () => T;
  first: string;
  add: string;
  remove: (n: number) => string;
  onChange: (rows: T[]) => void;
  error?: string;
  children: (row: T, i: number, id: (field: string) => string, update: (next: Partial<T>) => void) => ComponentChildren;
}) {
  const { kind, rows } = props;
  const focus = (id: string) => requestAnimationFrame(() => document.getElementById(id)?.focus());
  const addId = `pl-add-${kind}`;
  return (
    <fieldset id={`pl-${kind}`} tabIndex={-1} class={`group${props.error ? ' invalid' : ''}`}>
      <legend>{props.legend}</legend>
      <p class="hint">{props.hint}</p>
      {props.error && <span class="field-error">{props.error}</span>}
      {rows.map((row, i) => {
        const id = (field: string) => `pl-${kind}.${i}.${field}`;
        return (
          <fieldset key={i} class="benefit" aria-labelledby={`pl-${kind}-${i}-h`}>
            <div class="benefit-head">
              <h4 id={`pl-${kind}-${i}-h`}>{kind === 'entitlements' ? P.entitlement(i + 1) : P.discount(i + 1)}</h4>
              <button
                type="button"
                class="btn small"
                onClick={() => {
                  props.onChange(rows.filter((_, j) => j !== i));
                  focus(addId);
                }}
              >
                {props.remove(i + 1)}
              </button>
            </div>
            {props.children(row, i, id, (next) => props.onChange(rows.map((r, j) => (j === i ? { ...r, ...next } : r))))}
          </fieldset>
        );
      })}
      <button
        type="button"
        id={addId}
        class="btn"
        onClick={() => {
          props.onChange([...rows, props.fresh()]);
          focus(`pl-${kind}.${rows.length}.${props.first}`);
        }}
      >
        {props.add}
      </button>
    </fieldset>
  );
}

export function BenefitRows({ form, set, errors, services }: { form: PlanForm; set: Set; errors: Errors; services: Service[] }) {
  return (
    <>
      <Rows<EntitlementForm>
        kind="entitlements"
        legend={P.fields.entitlements!}
        hint={P.entitlementsHint}
        rows={form.entitlements}
        fresh={() => ({ name: '', serviceIds: [], unlimited: false, credits: '', whenOut: 'pay' })}
        first="name"
        add={P.addEntitlement}
        remove={P.removeEntitlement}
        onChange={(rows) => set('entitlements', rows)}
        error={errors.entitlements}
      >
        {(e, i, id, update) => (
          <>
            <TextField
              id={id('name')}
              label={P.entitlementFields.name!}
              hint={P.entitlementNameHint}
              value={e.name}
              onInput={(v) => update({ name: v })}
              error={errors[`entitlements.${i}.name`]}
            />
            <ServicePicker
              id={id('serviceIds')}
              legend={P.entitlementFields.serviceIds!}
              services={services}
              value={e.serviceIds}
              onChange={(v) => update({ serviceIds: v })}
              error={errors[`entitlements.${i}.serviceIds`]}
            />
            <div class="grid2">
              <TextField
                id={id('credits')}
                label={P.entitlementFields.credits!}
                hint={P.creditsHint}
                type="number"
                inputMode="numeric"
                min={1}
                value={e.unlimited ? '' : e.credits}
                disabled={e.unlimited}
                onInput={(v) => update({ credits: v })}
                error={errors[`entitlements.${i}.credits`]}
              />
              <CheckField
                id={id('unlimited')}
                label={P.entitlementFields.unlimited!}
                checked={e.unlimited}
                onChange={(v) => update({ unlimited: v })}
                error={errors[`entitlements.${i}.unlimited`]}
              />
            </div>
            <RadioGroup
              id={id('whenOut')}
              legend={P.entitlementFields.whenOut!}
              value={e.whenOut}
              onChange={(v) => update({ whenOut: v as WhenOut })}
              options={(['pay', 'refuse'] as const).map((k) => [k, P.whenOut[k]!])}
              error={errors[`entitlements.${i}.whenOut`]}
              class="row"
            />
          </>
        )}
      </Rows>
      <Rows<DiscountForm>
        kind="discounts"
        legend={P.fields.discounts!}
        hint={P.discountsHint}
        rows={form.discounts}
        fresh={() => ({ serviceIds: [], percent: '' })}
        first="percent"
        add={P.addDiscount}
        remove={P.removeDiscount}
        onChange={(rows) => set('discounts', rows)}
        error={errors.discounts}
      >
        {(d, i, id, update) => (
          <>
            <TextField
              id={id('percent')}
              label={P.discountFields.percent!}
              type="number"
              inputMode="numeric"
              min={1}
              max={100}
              value={d.percent}
              onInput={(v) => update({ percent: v })}
              error={errors[`discounts.${i}.percent`]}
            />
            <ServicePicker
              id={id('serviceIds')}
              legend={P.discountFields.serviceIds!}
              services={services}
              value={d.serviceIds}
              onChange={(v) => update({ serviceIds: v })}
              error={errors[`discounts.${i}.serviceIds`]}
            />
          </>
        )}
      </Rows>
    </>
  );
}
