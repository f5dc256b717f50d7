// Class packs: one-off purchases of N credits for chosen services, expiring N days after they are bought. The list,
// and the editor of one pack.
import { useEffect } from 'preact/hooks';
import type { FieldError } from '../../../shared/api.ts';
import { formatMoney, toMajor } from '../../../shared/money.ts';
import type { PageProps } from '../app.tsx';
import { go } from '../router.ts';
import type { Pack, Service } from '../types.ts';
import { CheckField, FormError, TextField, fieldErrors, setNotice, useCan } from '../ui.tsx';
import { removeFrom, replaceIn, useDelete, useItemForm, type Built, EditorActions } from './catalogue-common.tsx';
import { amount, count, EditorPage, ListPage, ServicePicker, serviceNames, useCurrency, useServices } from './membership-parts.tsx';
import { t } from '../strings/index.ts';
import { tms } from '../strings/memberships.ts';

const K = tms.packs;
const M = tms.common;

export function PacksPage() {
  const services = useServices().data?.items ?? [];
  return (
    <ListPage<Pack>
      route="packs"
      path="packs"
      title={t.nav.packs}
      intro={K.intro}
      add={K.add}
      empty={K.empty}
      columns={[K.columns.price, K.columns.credits, K.columns.services, K.columns.expires]}
      cells={(p) => [formatMoney(p.price), M.credits(p.credits), serviceNames(p.serviceIds, services), K.days(p.expiresInDays)]}
    />
  );
}

type PackForm = {
  name: string;
  description: string;
  price: string;
  currency: string;
  credits: string;
  serviceIds: string[];
  expiresInDays: string;
  active: boolean;
};
const KEYS = new Set(['name', 'description', 'price', 'credits', 'serviceIds', 'expiresInDays', 'active']);
const keyOf = (path: string[]) => (KEYS.has(path[0]!) ? path[0] : undefined);

const toForm = (p: Pack | undefined, currency: string): PackForm => ({
  name: p?.name ?? '',
  description: p?.description ?? '',
  price: p ? toMajor(p.price) : '',
  currency: p?.price.currency ?? currency,
  credits: p ? String(p.credits) : '',
  serviceIds: p?.serviceIds ?? [],
  expiresInDays: p ? String(p.expiresInDays) : '90',
  active: p?.active ?? true,
});

function toBody(f: PackForm): Built {
  const problems: FieldError[] = [];
  const body: Record<string, unknown> = { name: f.name.trim() };
  if (f.description.trim()) body.description = f.description.trim();
  const price = amount(f.price, f.currency, 'price', problems);
  if (price !== undefined) body.price = { amount: price, currency: f.currency };
  body.credits = count(f.credits, 'credits', problems);
  body.serviceIds = f.serviceIds;
  body.expiresInDays = count(f.expiresInDays, 'expiresInDays', problems);
  body.active = f.active;
  return { body, problems };
}

function PackEditor({ item, list, services }: { item?: Pack; list: Pack[]; services: Service[] }) {
  const can = useCan('admin');
  const currency = useCurrency();
  const f = useItemForm<Pack, PackForm>({
    item,
    list: 'packs',
    toForm: (p) => toForm(p, currency),
    toBody,
    onSaved: (p) => {
      replaceIn('packs', list, p);
      if (item) return;
      setNotice(M.created(p.name));
      go('packs', p.id);
    },
  });
  const del = useDelete('packs', item, K.deleteConfirm, (p) => {
    removeFrom('packs', list, p.id);
    setNotice(M.deleted(p.name));
    go('packs');
  });
  useEffect(() => {
    if (!item) f.setForm((old) => ({ ...old, currency }));
  }, [currency]);
  const form = f.form;
  const errors = fieldErrors(f.error, keyOf, true);
  const num = (k: 'credits' | 'expiresInDays', hint?: string) => (
    <TextField
      id={`pk-${k}`}
      label={K.fields[k]!}
      hint={hint}
      type="number"
      inputMode="numeric"
      min={1}
      value={form[k]}
      onInput={(v) => f.set(k, v)}
      error={errors[k]}
      required
    />
  );
  return (
    <form onSubmit={f.onSubmit} noValidate class="card">
      <FormError error={f.error} keyOf={keyOf} labels={K.fields} prefix="pk" plain />
      <fieldset disabled={!can} class="plain">
        <TextField id="pk-name" label={K.fields.name!} value={form.name} onInput={(v) => f.set('name', v)} error={errors.name} required />
        <TextField
          id="pk-description"
          label={M.optional(K.fields.description!)}
          rows={3}
          value={form.description}
          onInput={(v) => f.set('description', v)}
          error={errors.description}
        />
        <div class="grid3">
          <TextField
            id="pk-price"
            label={`${K.fields.price} (${form.currency})`}
            inputMode="decimal"
            value={form.price}
            onInput={(v) => f.set('price', v)}
            error={errors.price}
            required
          />
          {num('credits')}
          {num('expiresInDays', K.expiresHint)}
        </div>
        <ServicePicker
          id="pk-serviceIds"
          legend={K.fields.serviceIds!}
          services={services}
          value={form.serviceIds}
          onChange={(v) => f.set('serviceIds', v)}
          error={errors.serviceIds}
        />
        <CheckField id="pk-active" label={K.fields.active!} checked={form.active} onChange={(v) => f.set('active', v)} error={errors.active} />
      </fieldset>
      <EditorActions can={can} form={f} del={del} save={item ? M.save : K.create} remove={item && K.delete} />
    </form>
  );
}

export function PackPage({ param }: PageProps) {
  const services = useServices();
  return (
    <EditorPage<Pack> route="packs" path="packs" param={param} listTitle={t.nav.packs} newTitle={K.newTitle}>
      {(item, list) => <PackEditor key={item?.id ?? 'new'} item={item} list={list} services={services.data?.items ?? []} />}
    </EditorPage>
  );
}
