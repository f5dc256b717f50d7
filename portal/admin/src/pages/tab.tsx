// One tab at the point of sale: its lines (from the price list or free text), a discount, the totals, and settling
// it (tab-settle.tsx). Every change answers with the whole tab, which replaces ours; `tab` events from elsewhere
// (the customer paying in the portal, a colleague at another till) do the same.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api, asApiError, type ApiError, type FieldError } from '../../../shared/api.ts';
import { formatMoney, moneyIn, toMajor, toMinor } from '../../../shared/money.ts';
import { useLiveEvents } from '../../../shared/live.ts';
import { useResource } from '../../../shared/store.ts';
import { href } from '../router.ts';
import { FormsLink } from '../customer-forms.tsx';
import type { Discount, List, PaymentSettings, Service, Tab, TabEvent } from '../types.ts';
import {
  Alert,
  ErrorBox,
  FormError,
  Heading,
  LiveIndicator,
  Loading,
  RadioGroup,
  SelectField,
  Status,
  TextField,
  fieldErrors,
  formatDateTime,
  localError,
  useAction,
  useNotice,
  useSubmit,
  useTitle,
} from '../ui.tsx';
import { t } from '../strings/index.ts';
import { tm } from '../strings/money.ts';
import { PaymentBadge, customerName, withCustomer, type TabProps } from './tabs.tsx';
import { Settle, VoidTab } from './tab-settle.tsx';
import { LinesTable, Sums } from './money-parts.tsx';

const T = tm.tabs;
const enc = encodeURIComponent;
/** An example amount in the tab's currency ("12.50", "1250" for JPY), for hints and messages. */
const example = (currency: string) => toMajor({ amount: 1250, currency });

function Lines({ tab, onChange }: TabProps) {
  const act = useAction();
  const open = tab.status === 'open';
  const remove = (id: string, description: string) =>
    act.run(async () => {
      onChange(await api<Tab>(`tabs/${enc(tab.id)}/lines/${enc(id)}`, 'DELETE'));
      document.getElementById('lines-h')?.focus();
      return T.removed(description);
    });
  return (
    <section class="card" aria-labelledby="lines-h">
      <h2 id="lines-h" tabIndex={-1}>
        {T.lines}
      </h2>
      {tab.lines.length ? (
        <LinesTable
          lines={tab.lines}
          currency={tab.currency}
          labelledBy="lines-h"
          action={
            open
              ? (l) => (
                  <button
                    type="button"
                    class="btn small"
                    aria-label={T.removeLabel(l.description)}
                    disabled={act.busy}
                    onClick={() => void remove(l.id, l.description)}
                  >
                    {T.remove}
                  </button>
                )
              : undefined
          }
        />
      ) : (
        <p class="empty">{T.noLines}</p>
      )}
      <Status text={act.status} />
      <Alert text={act.error} />
    </section>
  );
}

type LineForm = { pick: string; description: string; quantity: string; unit: string; taxRateId: string };
const LINE_KEYS = ['description', 'quantity', 'unitAmount', 'taxRateId'];
const lineKeyOf = (path: string[]) => (LINE_KEYS.includes(path[0]!) ? path[0] : undefined);

function AddLine({ tab, onChange }: TabProps) {
  const services = useResource<List<Service>>('services');
  const settings = useResource<PaymentSettings>('payments/settings');
  const rates = settings.data?.taxRates ?? [];
  const fresh = (taxRateId = rates[0]?.id ?? ''): LineForm => ({ pick: '', description: '', quantity: '1', unit: '', taxRateId });
  const [form, setForm] = useState<LineForm>(() => fresh());
  const f = useSubmit();
  const errors = fieldErrors(f.error, lineKeyOf);
  // The first rate is the default once the settings arrive (a bar's usual rate), unless one was picked.
  useEffect(() => {
    if (rates[0] && !form.taxRateId) setForm((old) => ({ ...old, taxRateId: rates[0]!.id }));
  }, [settings.data]);
  const set = (next: Partial<LineForm>) => {
    setForm((old) => ({ ...old, ...next }));
    f.setStatus('');
  };
  const active = (services.data?.items ?? []).filter((s) => s.active);
  const pick = (id: string) => {
    const s = active.find((x) => x.id === id);
    set(s ? { pick: id, description: s.name, unit: toMajor(s.price) } : { pick: '' });
  };
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const problems: FieldError[] = [];
      const description = form.description.trim();
      if (!description) problems.push({ field: 'description', message: T.required });
      const quantity = /^\d{1,6}$/.test(form.quantity.trim()) ? Number(form.quantity) : 0;
      if (quantity < 1) problems.push({ field: 'quantity', message: T.quantityInvalid });
      const unitAmount = toMinor(form.unit, tab.currency);
      if (unitAmount === undefined) problems.push({ field: 'unitAmount', message: T.amountInvalid(example(tab.currency)) });
      if (problems.length) throw localError(problems);
      // A service as the catalogue has it: the server prices it, less the customer's member discount.
      const picked = active.find((x) => x.id === form.pick);
      const asCatalogued = picked && description === picked.name && form.unit === toMajor(picked.price);
      const line = asCatalogued ? { serviceId: picked.id } : { description, unitAmount };
      onChange(await api<Tab>(`tabs/${enc(tab.id)}/lines`, 'POST', { ...line, quantity, taxRateId: form.taxRateId || null }));
      setForm(fresh(form.taxRateId));
      return T.added(description);
    });
  };
  const serviceOption = (s: Service): [string, string, boolean] =>
    s.price.currency === tab.currency
      ? [s.id, `${s.name} · ${formatMoney(s.price)}`, false]
      : [s.id, T.otherCurrency(s.name, s.price.currency), true];
  return (
    <section class="card" aria-labelledby="add-line-h">
      <h2 id="add-line-h">{T.addTitle}</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={f.error} keyOf={lineKeyOf} labels={T.fields} prefix="line" />
        <SelectField
          id="line-pick"
          label={T.priceList}
          value={form.pick}
          onChange={pick}
          options={[['', T.freeText], ...active.map(serviceOption)]}
        />
        <TextField
          id="line-description"
          label={T.fields.description!}
          value={form.description}
          onInput={(v) => set({ description: v })}
          error={errors.description}
        />
        <div class="grid3">
          <TextField
            id="line-quantity"
            label={T.fields.quantity!}
            inputMode="numeric"
            value={form.quantity}
            onInput={(v) => set({ quantity: v })}
            error={errors.quantity}
          />
          <TextField
            id="line-unitAmount"
            label={`${T.fields.unitAmount} (${tab.currency})`}
            hint={T.unitHint(example(tab.currency))}
            inputMode="decimal"
            value={form.unit}
            onInput={(v) => set({ unit: v })}
            error={errors.unitAmount}
          />
          <SelectField
            id="line-taxRateId"
            label={T.fields.taxRateId!}
            hint={settings.error ? T.taxRatesUnavailable : undefined}
            value={form.taxRateId}
            onChange={(v) => set({ taxRateId: v })}
            options={[['', tm.sums.noTax], ...rates.map((r): [string, string] => [r.id, r.name])]}
            error={errors.taxRateId}
          />
        </div>
        <div class="actions">
          <button type="submit" class="btn primary" disabled={f.busy}>
            {T.add}
          </button>
          <Status text={f.status} />
        </div>
      </form>
    </section>
  );
}

function Totals({ tab }: { tab: Tab }) {
  const p = tab.payment?.state === 'succeeded' ? tab.payment : undefined;
  return (
    <section class="card" aria-labelledby="totals-h">
      <h2 id="totals-h">{T.totals}</h2>
      <Sums amounts={{ ...tab.totals, tip: p?.tip, paid: p?.amount }} currency={tab.currency} taxInclusive={tab.taxInclusive} testId="totals" />
    </section>
  );
}

const discountKeyOf = (path: string[]) => (path[0] === 'value' || path[0] === 'kind' ? path[0] : undefined);

function DiscountForm({ tab, onChange }: TabProps) {
  const [kind, setKind] = useState<Discount['kind']>(tab.discount?.kind ?? 'percent');
  const [value, setValue] = useState(() =>
    !tab.discount
      ? ''
      : tab.discount.kind === 'percent'
        ? String(tab.discount.value)
        : toMajor({ amount: tab.discount.value, currency: tab.currency }),
  );
  const f = useSubmit();
  const errors = fieldErrors(f.error, discountKeyOf);
  const described = (d: Discount) => (d.kind === 'percent' ? `${d.value}%` : moneyIn(tab.currency)(d.value));
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const v = value.trim();
      const parsed = kind === 'percent' ? (/^\d{1,3}(\.\d{1,2})?$/.test(v) && Number(v) <= 100 ? Number(v) : undefined) : toMinor(v, tab.currency);
      if (parsed === undefined)
        throw localError([{ field: 'value', message: kind === 'percent' ? T.percentInvalid : T.amountInvalid(example(tab.currency)) }]);
      onChange(await api<Tab>(`tabs/${enc(tab.id)}/discount`, 'PUT', { kind, value: parsed }));
      return T.discountApplied;
    });
  };
  const remove = () =>
    f.submit(async () => {
      onChange(await api<Tab>(`tabs/${enc(tab.id)}/discount`, 'DELETE'));
      setValue('');
      return T.discountRemoved;
    });
  return (
    <section class="card" aria-labelledby="discount-h">
      <h2 id="discount-h">{T.discountTitle}</h2>
      {tab.discount && <p>{T.currentDiscount(described(tab.discount))}</p>}
      <form onSubmit={onSubmit} noValidate>
        <FormError
          error={f.error}
          keyOf={discountKeyOf}
          labels={{ kind: T.discountKind, value: T.discountValue(kind, tab.currency) }}
          prefix="disc"
        />
        <div class="inline-form">
          <RadioGroup
            id="disc-kind"
            legend={T.discountKind}
            value={kind}
            onChange={(v) => setKind(v as Discount['kind'])}
            options={(['percent', 'amount'] as const).map((k) => [k, T.kinds[k]!])}
            error={errors.kind}
            class="row"
          />
          <TextField
            id="disc-value"
            label={T.discountValue(kind, tab.currency)}
            inputMode="decimal"
            value={value}
            onInput={setValue}
            error={errors.value}
          />
          <button type="submit" class="btn" disabled={f.busy}>
            {T.applyDiscount}
          </button>
          {tab.discount && (
            <button type="button" class="btn" disabled={f.busy} onClick={() => void remove()}>
              {T.removeDiscount}
            </button>
          )}
        </div>
        <Status text={f.status} />
      </form>
    </section>
  );
}

export function TabPage({ boot, param }: PageProps) {
  const id = param ?? '';
  const notice = useNotice();
  const [tab, setTab] = useState<Tab | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [announce, setAnnounce] = useState('');
  const seq = useRef(0);
  useTitle(tab ? T.title(customerName(tab)) : t.nav.tabs);
  const load = () => {
    const mine = ++seq.current;
    api<Tab>(`tabs/${enc(id)}`).then(
      (x) => {
        if (mine !== seq.current) return;
        setTab((old) => withCustomer(x, old ?? undefined));
        setError(null);
      },
      (err: unknown) => mine === seq.current && setError(asApiError(err)),
    );
  };
  useEffect(load, [id]);
  // Our own changes and everyone else's: the newest tab wins; an earlier fetch in flight is dropped.
  const update = (next: Tab) => {
    seq.current++;
    setTab((old) => withCustomer(next, old ?? undefined));
  };
  useLiveEvents(boot.bff, ['tab'], (_, data) => {
    const ev = data as TabEvent | undefined;
    if (!ev?.tab?.id) return load();
    if (ev.tab.id !== id) return;
    update(ev.tab);
    setAnnounce(T.announce[ev.type] ?? '');
  });

  if (error) return <ErrorBox error={error} retry={load} />;
  if (!tab) return <Loading />;
  const open = tab.status === 'open';
  return (
    <>
      <p class="back">
        <a href={href('tabs')}>{T.back}</a>
      </p>
      <div class="page-head">
        <Heading>{T.title(customerName(tab))}</Heading>
        <LiveIndicator />
      </div>
      <p class="tab-meta">
        <span class={`badge status-${tab.status}`}>{T.statuses[tab.status]}</span> {tab.payment && <PaymentBadge tab={tab} />}{' '}
        <span class="muted">{T.openedAt(formatDateTime(tab.openedAt))}</span>
        {tab.note && <span class="muted"> · {tab.note}</span>}
        {tab.customer && (
          <>
            {' · '}
            <FormsLink customer={tab.customer} />
          </>
        )}
      </p>
      <Status text={notice} />
      <p role="status" class="sr-only">
        {announce}
      </p>
      <div class="pos">
        <div class="pos-main">
          <Lines tab={tab} onChange={update} />
          {open && <AddLine tab={tab} onChange={update} />}
        </div>
        <div class="pos-side">
          <Totals tab={tab} />
          {open && <DiscountForm tab={tab} onChange={update} />}
          <Settle tab={tab} onChange={update} bff={boot.bff} />
          {open && <VoidTab tab={tab} onChange={update} />}
        </div>
      </div>
    </>
  );
}
