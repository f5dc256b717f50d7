import { useEffect } from 'preact/hooks';
import type { FieldError } from '../../../shared/api.ts';
import { formatMoney, toMajor, toMinor } from '../../../shared/money.ts';
import { useResource } from '../../../shared/store.ts';
import type { BookableResource, Location, PaymentSettings, Service, ServicePayment } from '../types.ts';
import { CheckField, FormError, RadioGroup, SelectField, Status, TextField, fieldErrors, useCan, type Errors } from '../ui.tsx';
import {
  C,
  EditorHead,
  Loaded,
  OpenButton,
  removeFrom,
  replaceIn,
  useDelete,
  useItemForm,
  usePanel,
  whole,
  type Built,
  type Lists,
  EditorActions,
} from './catalogue-common.tsx';

const S = C.services;
const P = S.payment;
/** A new service's currency until the payment settings say the business's own. */
const DEFAULT_CURRENCY = 'GBP';

/** Minutes shown as hours: 90 → "1.5", 1440 → "24". */
const toHours = (minutes: number): string => String(Math.round((minutes / 60) * 100) / 100);

type SForm = {
  name: string;
  description: string;
  durationMinutes: string;
  price: string;
  currency: string;
  bufferBeforeMinutes: string;
  bufferAfterMinutes: string;
  capacity: string;
  resourceIds: string[];
  locationId: string;
  minNoticeMinutes: string;
  maxDaysAhead: string;
  cancellationHours: string;
  lateCancellationNote: string;
  active: boolean;
  /** What a booking takes (portal/api/catalogue/service.ts `servicePayment`); `payWhat` and on only when prepaid. */
  payMode: ServicePayment['mode'];
  payWhat: 'full' | 'percent' | 'amount';
  deposit: string;
  taxRateId: string;
  lateRefundPercent: string;
  lateCancelFee: string;
};

const NUMBER_KEYS = ['durationMinutes', 'bufferBeforeMinutes', 'bufferAfterMinutes', 'capacity', 'minNoticeMinutes', 'maxDaysAhead'] as const;
const KEYS = new Set<string>([
  'name',
  'description',
  'price',
  'resourceIds',
  'locationId',
  'cancellationWindowMinutes',
  'lateCancellationNote',
  'active',
  ...NUMBER_KEYS,
]);
const PAY_KEYS = ['mode', 'deposit', 'taxRateId', 'lateRefundPercent', 'lateCancelFee'];
const LABELS: Record<string, string> = {
  ...S.fields,
  'payment.mode': P.title,
  'payment.deposit': P.deposit,
  'payment.taxRateId': P.taxRate,
  'payment.lateRefundPercent': P.lateRefund,
  'payment.lateCancelFee': P.lateFee(''),
};
/** A field's form key; the payment's own fields as `payment.<field>`. */
const keyOf = (path: string[]): string | undefined =>
  path[0] === 'payment' ? `payment.${PAY_KEYS.includes(path[1]!) ? path[1] : 'mode'}` : KEYS.has(path[0]!) ? path[0] : undefined;

const serviceLocation = (s: Service): string => s.locationId ?? s.location?.id ?? '';
const serviceResources = (s: Service): string[] => s.resourceIds ?? s.resources?.map((r) => r.id) ?? [];

function toSForm(s: Service | undefined, locationId: string): SForm {
  const n = (v: number | undefined) => (v === undefined || v === null ? '' : String(v));
  const pay = s?.payment;
  const deposit = pay?.deposit;
  return {
    name: s?.name ?? '',
    description: s?.description ?? '',
    durationMinutes: s ? n(s.durationMinutes) : '60',
    price: s ? toMajor(s.price) : '',
    currency: s?.price.currency ?? DEFAULT_CURRENCY,
    bufferBeforeMinutes: n(s?.bufferBeforeMinutes),
    bufferAfterMinutes: n(s?.bufferAfterMinutes),
    capacity: s ? n(s.capacity) : '1',
    resourceIds: s ? serviceResources(s) : [],
    locationId: s ? serviceLocation(s) : locationId,
    minNoticeMinutes: n(s?.minNoticeMinutes),
    maxDaysAhead: n(s?.maxDaysAhead),
    cancellationHours: s?.cancellationWindowMinutes === undefined ? '' : toHours(s.cancellationWindowMinutes),
    lateCancellationNote: s?.lateCancellationNote ?? '',
    active: s?.active ?? true,
    payMode: pay?.mode ?? 'none',
    payWhat: deposit?.kind ?? 'full',
    deposit: !deposit ? '' : deposit.kind === 'percent' ? String(deposit.value) : toMajor({ amount: deposit.value, currency: s!.price.currency }),
    taxRateId: pay?.taxRateId ?? '',
    lateRefundPercent: String(pay?.lateRefundPercent ?? 0),
    lateCancelFee: pay?.lateCancelFee ? toMajor({ amount: pay.lateCancelFee, currency: s!.price.currency }) : '',
  };
}

/** A whole percentage from `min` to 100, or undefined with the problem noted. */
function percent(v: string, field: string, min: number, problems: FieldError[]): number | undefined {
  const n = whole(v, field, problems);
  if (n !== undefined && (n < min || n > 100)) problems.push({ field, message: P.percentInvalid(min) });
  return n !== undefined && n >= min && n <= 100 ? n : undefined;
}

/** The service's payment terms: only a prepaid service has a deposit, a tax rate and a late refund; any may have a late fee. */
function paymentBody(f: SForm, price: number | undefined, problems: FieldError[]): ServicePayment {
  const fee = f.lateCancelFee.trim() ? toMinor(f.lateCancelFee, f.currency) : null;
  if (fee === 0 || fee === undefined) problems.push({ field: 'payment.lateCancelFee', message: P.feeInvalid });
  const lateCancelFee = fee || null;
  if (f.payMode !== 'prepay') return { mode: f.payMode, lateCancelFee };
  let deposit: ServicePayment['deposit'] = null;
  if (f.payWhat === 'percent') {
    const value = percent(f.deposit, 'payment.deposit', 1, problems);
    if (value !== undefined) deposit = { kind: 'percent', value };
  } else if (f.payWhat === 'amount') {
    const value = toMinor(f.deposit, f.currency);
    if (!value || (price !== undefined && value > price)) problems.push({ field: 'payment.deposit', message: P.amountInvalid });
    else deposit = { kind: 'amount', value };
  }
  const late = percent(f.lateRefundPercent, 'payment.lateRefundPercent', 0, problems);
  return { mode: 'prepay', deposit, taxRateId: f.taxRateId || null, lateRefundPercent: late ?? 0, lateCancelFee };
}

/**
 * The service input. The optional numbers may be left empty on a new service (the server's defaults apply); an
 * existing service always has them. The price is typed in major units and sent in minor units, the cancellation
 * window typed in hours and sent in minutes.
 */
function sBodyFor(existing: boolean) {
  return (f: SForm): Built => {
    const problems: FieldError[] = [];
    const body: Record<string, unknown> = { name: f.name.trim() };
    if (f.description.trim()) body.description = f.description.trim();
    for (const k of NUMBER_KEYS) {
      const v = whole(f[k], k, problems, !existing && k !== 'durationMinutes');
      if (v !== undefined) body[k] = v;
    }
    const amount = toMinor(f.price, f.currency);
    if (amount === undefined) problems.push({ field: 'price', message: S.priceInvalid });
    else body.price = { amount, currency: f.currency };
    body.payment = paymentBody(f, amount, problems);
    body.resourceIds = f.resourceIds;
    body.locationId = f.locationId;
    const h = f.cancellationHours.trim();
    if (h) {
      const hours = /^\d+(\.\d+)?$/.test(h) ? Number(h) : NaN;
      if (Number.isNaN(hours)) problems.push({ field: 'cancellationWindowMinutes', message: S.hoursInvalid });
      else body.cancellationWindowMinutes = Math.round(hours * 60);
    } else if (existing) problems.push({ field: 'cancellationWindowMinutes', message: C.required });
    if (f.lateCancellationNote.trim()) body.lateCancellationNote = f.lateCancellationNote.trim();
    body.active = f.active;
    return { body, problems };
  };
}

/** "Payment when booking": nothing, a card on file, or payment (the price or a deposit) with its tax and late refund. */
function PaymentTerms(props: {
  form: SForm;
  set: <K extends keyof SForm>(k: K, v: SForm[K]) => void;
  errors: Errors;
  settings?: PaymentSettings;
  failed: boolean;
}) {
  const { form, set, errors, settings } = props;
  const id = (k: string) => `svc-payment.${k}`;
  const rates = settings?.taxRates ?? [];
  const price = toMinor(form.price, form.currency);
  const rateOptions: [string, string][] = [['', P.noTax], ...rates.map((r): [string, string] => [r.id, r.name])];
  if (form.taxRateId && settings && !rates.some((r) => r.id === form.taxRateId)) rateOptions.push([form.taxRateId, P.rateGone]);
  const choice = (k: string) => (
    <>
      {P.modes[k]} <span class="hint">{P.explain[k]}</span>
    </>
  );
  return (
    <fieldset id="svc-payment" class="group">
      <legend>{P.title}</legend>
      <RadioGroup
        id={id('mode')}
        legend={P.mode}
        value={form.payMode}
        onChange={(v) => set('payMode', v as SForm['payMode'])}
        options={(['none', 'card_on_file', 'prepay'] as const).map((k) => [k, choice(k)])}
        error={errors['payment.mode']}
      />
      {form.payMode !== 'none' && settings && !settings.connected && <p class="note">{P.notConnected}</p>}
      {form.payMode === 'prepay' && (
        <>
          {settings && settings.currency !== form.currency && <p class="note">{P.otherCurrency(settings.currency, form.currency)}</p>}
          <RadioGroup
            id={id('payWhat')}
            legend={P.howMuch}
            value={form.payWhat}
            onChange={(v) => {
              set('payWhat', v as SForm['payWhat']);
              set('deposit', ''); // a percent is no amount, nor the other way round
            }}
            options={[
              ['full', price === undefined ? P.full : P.fullOf(formatMoney({ amount: price, currency: form.currency }))],
              ['percent', P.depositPercent],
              ['amount', P.depositAmount],
            ]}
          />
          <div class="grid2">
            {form.payWhat !== 'full' && (
              <TextField
                id={id('deposit')}
                label={form.payWhat === 'percent' ? P.depositPercentField : P.depositAmountField(form.currency)}
                hint={P.depositHint}
                inputMode={form.payWhat === 'percent' ? 'numeric' : 'decimal'}
                value={form.deposit}
                onInput={(v) => set('deposit', v)}
                error={errors['payment.deposit']}
              />
            )}
            <SelectField
              id={id('taxRateId')}
              label={P.taxRate}
              hint={props.failed ? P.ratesUnavailable : P.taxHint}
              value={form.taxRateId}
              onChange={(v) => set('taxRateId', v)}
              options={rateOptions}
              error={errors['payment.taxRateId']}
            />
          </div>
          <div class="grid2">
            <TextField
              id={id('lateRefundPercent')}
              label={P.lateRefund}
              hint={P.lateRefundHint}
              type="number"
              inputMode="numeric"
              min={0}
              max={100}
              value={form.lateRefundPercent}
              onInput={(v) => set('lateRefundPercent', v)}
              error={errors['payment.lateRefundPercent']}
            />
          </div>
        </>
      )}
      <TextField
        id={id('lateCancelFee')}
        label={P.lateFee(form.currency)}
        hint={P.lateFeeHint}
        inputMode="decimal"
        value={form.lateCancelFee}
        onInput={(v) => set('lateCancelFee', v)}
        error={errors['payment.lateCancelFee']}
      />
    </fieldset>
  );
}

function ServiceEditor(props: {
  item?: Service;
  list: Service[];
  locations: Location[];
  resources: BookableResource[];
  onBack: (msg?: string) => void;
  onCreated: (id: string) => void;
}) {
  const { item, list, locations, resources } = props;
  const can = useCan('admin');
  const settings = useResource<PaymentSettings>('payments/settings');
  const f = useItemForm<Service, SForm>({
    item,
    list: 'services',
    toForm: (s) => toSForm(s, locations[0]?.id ?? ''),
    toBody: sBodyFor(!!item),
    onSaved: (s) => {
      replaceIn('services', list, s);
      if (!item) props.onCreated(s.id);
    },
  });
  const del = useDelete('services', item, S.deleteConfirm, (s) => {
    removeFrom('services', list, s.id);
    props.onBack(C.deleted(s.name));
  });
  const errors = fieldErrors(f.error, keyOf, true);
  const form = f.form;
  // A new service is priced in the currency the business takes payments in.
  const currency = settings.data?.currency;
  useEffect(() => {
    if (!item && currency) f.setForm((old) => ({ ...old, currency }));
  }, [currency]);
  const id = (k: string) => `svc-${k}`;
  const num = (k: (typeof NUMBER_KEYS)[number], hint?: string, min = 0) => (
    <TextField
      id={id(k)}
      label={S.fields[k]!}
      type="number"
      inputMode="numeric"
      min={min}
      step={k.endsWith('Minutes') ? 5 : 1}
      hint={[hint, !item && k !== 'durationMinutes' && k !== 'capacity' ? S.defaultHint : ''].filter(Boolean).join(' ') || undefined}
      value={form[k]}
      onInput={(v) => f.set(k, v)}
      error={errors[k]}
      required={!!item || k === 'durationMinutes'}
    />
  );

  // Who can deliver it: the staff and resources at the chosen location (and any already chosen elsewhere).
  const choices = resources.filter((r) => r.locationId === form.locationId || form.resourceIds.includes(r.id));
  const onLocation = (v: string) => {
    f.set('locationId', v);
    f.set(
      'resourceIds',
      form.resourceIds.filter((rid) => resources.find((r) => r.id === rid)?.locationId === v),
    );
  };
  const locationOptions: [string, string][] = locations.map((l) => [l.id, l.name]);
  if (form.locationId && !locations.some((l) => l.id === form.locationId))
    locationOptions.unshift([form.locationId, item?.location?.name ?? form.locationId]);

  return (
    <>
      <EditorHead title={item?.name ?? S.newTitle} list={C.tabs.services!} onBack={() => props.onBack()} />
      <form onSubmit={f.onSubmit} noValidate class="card">
        <FormError error={f.error} keyOf={keyOf} labels={LABELS} prefix="svc" plain />
        <fieldset disabled={!can} class="plain">
          <TextField id={id('name')} label={S.fields.name!} value={form.name} onInput={(v) => f.set('name', v)} error={errors.name} required />
          <TextField
            id={id('description')}
            label={C.optional(S.fields.description!)}
            rows={3}
            value={form.description}
            onInput={(v) => f.set('description', v)}
            error={errors.description}
          />
          <div class="grid3">
            {num('durationMinutes', C.minutesHint, 5)}
            <TextField
              id={id('price')}
              label={`${S.fields.price} (${form.currency})`}
              hint={S.priceHint}
              inputMode="decimal"
              value={form.price}
              onInput={(v) => f.set('price', v)}
              error={errors.price}
              required
            />
            {num('capacity', S.capacityHint, 1)}
          </div>
          <div class="grid2">
            {num('bufferBeforeMinutes', S.bufferBeforeHint)}
            {num('bufferAfterMinutes', S.bufferAfterHint)}
          </div>
          <SelectField
            id={id('locationId')}
            label={S.fields.locationId!}
            value={form.locationId}
            onChange={onLocation}
            options={locationOptions}
            error={errors.locationId}
          />
          <fieldset id={id('resourceIds')} tabIndex={-1} class={`group${errors.resourceIds ? ' invalid' : ''}`}>
            <legend>{S.fields.resourceIds}</legend>
            {errors.resourceIds && <span class="field-error">{errors.resourceIds}</span>}
            {choices.length ? (
              <div class="checks">
                {choices.map((r) => (
                  <div class="check" key={r.id}>
                    <input
                      id={`svc-res-${r.id}`}
                      type="checkbox"
                      checked={form.resourceIds.includes(r.id)}
                      onChange={(e) =>
                        f.set('resourceIds', e.currentTarget.checked ? [...form.resourceIds, r.id] : form.resourceIds.filter((x) => x !== r.id))
                      }
                    />
                    <label for={`svc-res-${r.id}`}>
                      {r.name} <span class="muted">({C.resources.kinds[r.kind] ?? r.kind})</span>
                    </label>
                  </div>
                ))}
              </div>
            ) : (
              <p class="muted">{S.noResources}</p>
            )}
          </fieldset>
          <CheckField id={id('active')} label={S.fields.active!} checked={form.active} onChange={(v) => f.set('active', v)} error={errors.active} />
          <h3 class="form-section">{S.bookingRules}</h3>
          <div class="grid2">
            {num('minNoticeMinutes', S.noticeHint)}
            {num('maxDaysAhead', S.aheadHint, 1)}
          </div>
          <TextField
            id={id('cancellationWindowMinutes')}
            label={S.fields.cancellationWindowMinutes!}
            hint={[S.cancellationHint, item ? '' : S.defaultHint].filter(Boolean).join(' ')}
            type="number"
            inputMode="decimal"
            min={0}
            step="any"
            value={form.cancellationHours}
            onInput={(v) => f.set('cancellationHours', v)}
            error={errors.cancellationWindowMinutes}
          />
          <TextField
            id={id('lateCancellationNote')}
            label={C.optional(S.fields.lateCancellationNote!)}
            hint={S.lateNoteHint}
            rows={2}
            value={form.lateCancellationNote}
            onInput={(v) => f.set('lateCancellationNote', v)}
            error={errors.lateCancellationNote}
          />
          <PaymentTerms form={form} set={f.set} errors={errors} settings={settings.data} failed={!!settings.error} />
        </fieldset>
        <EditorActions can={can} form={f} del={del} save={item ? C.save : C.create} remove={item && S.delete} />
      </form>
    </>
  );
}

export function ServicesPanel({ lists }: { lists: Lists }) {
  const can = useCan('admin');
  const p = usePanel('cat-h-services');
  const items = lists.services.data?.items ?? [];
  const locations = lists.locations.data?.items ?? [];
  const resources = lists.resources.data?.items ?? [];
  const item = p.editing && p.editing !== 'new' ? items.find((x) => x.id === p.editing) : undefined;
  if (p.editing === 'new' || item)
    return <ServiceEditor item={item} list={items} locations={locations} resources={resources} onBack={p.close} onCreated={p.show} />;
  const noLocation = !!lists.locations.data && !locations.length;
  const locationName = (s: Service) => s.location?.name ?? locations.find((l) => l.id === s.locationId)?.name ?? '';
  const who = (s: Service) =>
    (s.resources ?? (s.resourceIds ?? []).map((id) => resources.find((r) => r.id === id) ?? { name: '' }))
      .map((r) => r.name)
      .filter(Boolean)
      .join(', ');
  return (
    <>
      <div class="card-head">
        <h2 id="cat-h-services" tabIndex={-1}>
          {C.tabs.services}
        </h2>
        {can && (
          <button
            type="button"
            id="cat-add-services"
            class="btn primary"
            disabled={!lists.locations.data || !lists.resources.data || noLocation}
            onClick={() => p.open('new', 'cat-add-services')}
          >
            {S.add}
          </button>
        )}
      </div>
      <Status text={p.notice} />
      {can && noLocation && <p class="note">{S.needLocation}</p>}
      <Loaded res={lists.services}>
        {(data) =>
          data.items.length ? (
            <div class="table-wrap">
              <table class="list">
                <thead>
                  <tr>
                    <th scope="col">{S.columns.name}</th>
                    <th scope="col">{S.columns.duration}</th>
                    <th scope="col">{S.columns.price}</th>
                    <th scope="col">{S.columns.capacity}</th>
                    <th scope="col">{S.columns.location}</th>
                    <th scope="col">{S.columns.who}</th>
                    <td />
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((s) => (
                    <tr key={s.id} class={s.active === false ? 'inactive' : undefined}>
                      <td class="break">
                        {s.name} {s.active === false && <span class="badge muted-badge">{S.inactive}</span>}
                      </td>
                      <td>{S.minutes(s.durationMinutes)}</td>
                      <td>
                        {formatMoney(s.price)}
                        {s.payment && s.payment.mode !== 'none' && <span class="muted"> · {P.listed[s.payment.mode]}</span>}
                      </td>
                      <td>{s.capacity}</td>
                      <td class="break">{locationName(s)}</td>
                      <td class="break">{who(s)}</td>
                      <td class="row-actions">
                        <OpenButton id={`cat-open-${s.id}`} name={s.name} can={can} onOpen={(o) => p.open(s.id, o)} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="empty">{S.empty}</p>
          )
        }
      </Loaded>
    </>
  );
}
