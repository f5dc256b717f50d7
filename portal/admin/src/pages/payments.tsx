// Payments: the organisation's Stripe connection (keys pasted once, shown again only as hints, tested in plain
// words), the webhook to set up in Stripe (its URL and events as the API gives them), and the money settings (currency,
// tax, invoice prefix). Owners change them; admins see them and may test the connection. Staff may read the settings
// (the till reads the tax rates) but have nothing to do here, so the page is not offered to them.
import { useState } from 'preact/hooks';
import { api, type FieldError } from '../../../shared/api.ts';
import { setResource, useResource } from '../../../shared/store.ts';
import type { PaymentSettings, TaxRate } from '../types.ts';
import {
  Alert,
  CheckField,
  Copyable,
  ErrorBox,
  FormError,
  Heading,
  Loading,
  Status,
  TextField,
  changes,
  fieldErrors,
  localError,
  useAction,
  useCan,
  useSubmit,
  useTitle,
} from '../ui.tsx';
import { t } from '../strings/index.ts';
import { tm } from '../strings/money.ts';

const P = tm.payments;
const PATH = 'payments/settings';

function Connection({ settings }: { settings: PaymentSettings }) {
  const act = useAction();
  const test = () =>
    act.run(async () => {
      const r = await api<{ ok: true; mode: string }>(`${PATH}/test`, 'POST');
      return P.testOk(P.modes[r.mode] ?? r.mode);
    });
  const hint = (v?: string) => (v ? <code class="break">{v}</code> : <span class="muted">{P.notSet}</span>);
  return (
    <section class="card" aria-labelledby="pay-conn-h">
      <h2 id="pay-conn-h">{P.connection}</h2>
      <dl class="facts">
        <dt>{P.state}</dt>
        <dd data-testid="stripe-state">
          {settings.connected ? (
            <span class="badge status-confirmed">{P.connected(P.modes[settings.mode ?? 'test'] ?? '')}</span>
          ) : (
            <span class="badge muted-badge">{P.notConnected}</span>
          )}
        </dd>
        <dt>{P.secretKeyHint}</dt>
        <dd>{hint(settings.secretKey)}</dd>
        <dt>{P.publishableKeyShown}</dt>
        <dd>{hint(settings.publishableKey)}</dd>
        <dt>{P.webhookSecretSet}</dt>
        <dd>{settings.webhookSecretSet ? P.set : <span class="muted">{P.notSet}</span>}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="btn" disabled={act.busy} aria-busy={act.busy ? 'true' : undefined} onClick={() => void test()}>
          {act.busy ? P.testing : P.test}
        </button>
        <Status text={act.status} />
      </div>
      <Alert text={act.error} />
    </section>
  );
}

type KeyName = 'secretKey' | 'publishableKey' | 'webhookSecret';
const KEY_NAMES: KeyName[] = ['secretKey', 'publishableKey', 'webhookSecret'];
const keyHints: Record<KeyName, string> = {
  secretKey: P.secretKeyFieldHint,
  publishableKey: P.publishableKeyFieldHint,
  webhookSecret: P.webhookSecretFieldHint,
};
const keyOfKeys = (path: string[]) => ((KEY_NAMES as string[]).includes(path[0]!) ? path[0] : undefined);

/** The keys are write-only: typed, sent, and cleared from the page once saved. */
function KeysForm() {
  const empty = { secretKey: '', publishableKey: '', webhookSecret: '' };
  const [keys, setKeys] = useState<Record<KeyName, string>>(empty);
  const f = useSubmit();
  const errors = fieldErrors(f.error, keyOfKeys);
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const body = Object.fromEntries(KEY_NAMES.filter((k) => keys[k].trim()).map((k) => [k, keys[k].trim()]));
      if (!Object.keys(body).length) return P.noKeys;
      setResource(PATH, await api<PaymentSettings>(PATH, 'PUT', body));
      setKeys(empty);
      return P.keysSaved;
    });
  };
  return (
    <section class="card" aria-labelledby="pay-keys-h">
      <h2 id="pay-keys-h">{P.keys}</h2>
      <p class="hint">{P.keysIntro}</p>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={f.error} keyOf={keyOfKeys} labels={P.fields} prefix="pay" />
        {KEY_NAMES.map((k) => (
          <TextField
            key={k}
            id={`pay-${k}`}
            label={P.fields[k]!}
            hint={keyHints[k]}
            type="password"
            autoComplete="off"
            mono
            value={keys[k]}
            onInput={(v) => {
              setKeys((old) => ({ ...old, [k]: v }));
              f.setStatus('');
            }}
            error={errors[k]}
          />
        ))}
        <div class="actions">
          <button type="submit" class="btn primary" disabled={f.busy}>
            {P.saveKeys}
          </button>
          <Status text={f.status} />
        </div>
      </form>
    </section>
  );
}

function Webhook({ webhook }: { webhook: PaymentSettings['webhook'] }) {
  return (
    <section class="card" aria-labelledby="pay-hook-h">
      <h2 id="pay-hook-h">{P.webhook}</h2>
      <p class="hint">{P.webhookIntro}</p>
      <dl class="facts">
        <dt>{P.webhookUrl}</dt>
        <dd>
          <Copyable value={webhook.url} label={P.webhookUrl} testId="webhook-url" />
        </dd>
        <dt>{P.webhookEvents}</dt>
        <dd>
          <ul class="plain-list" data-testid="webhook-events">
            {webhook.events.map((e) => (
              <li key={e}>
                <code>{e}</code>
              </li>
            ))}
          </ul>
        </dd>
      </dl>
    </section>
  );
}

type Rate = { name: string; percent: string };
type MoneyForm = { currency: string; taxInclusive: boolean; taxRates: Rate[]; invoicePrefix: string };
const toForm = (s: PaymentSettings): MoneyForm => ({
  currency: s.currency,
  taxInclusive: s.taxInclusive,
  taxRates: s.taxRates.map((r) => ({ name: r.name, percent: String(r.percent) })),
  invoicePrefix: s.invoicePrefix ?? '',
});

/** The form as the API's input, with the problems a person can fix before sending. */
function toBody(f: MoneyForm): { body: Record<string, unknown>; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const currency = f.currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) problems.push({ field: 'currency', message: P.currencyInvalid });
  const taxRates: Omit<TaxRate, 'id'>[] = f.taxRates.map((r, i) => {
    const p = r.percent.trim();
    if (!/^\d{1,3}(\.\d{1,3})?$/.test(p) || Number(p) > 100) problems.push({ field: `taxRates.${i}.percent`, message: P.percentInvalid });
    return { name: r.name.trim(), percent: Number(p) };
  });
  const body: Record<string, unknown> = { currency, taxInclusive: f.taxInclusive, taxRates };
  if (f.invoicePrefix.trim()) body.invoicePrefix = f.invoicePrefix.trim();
  return { body, problems };
}

const keyOfMoney = (path: string[]) =>
  path[0] === 'taxRates' && /^\d+$/.test(path[1] ?? '')
    ? path.slice(0, 3).join('.')
    : ['currency', 'taxInclusive', 'taxRates', 'invoicePrefix'].includes(path[0]!)
      ? path[0]
      : undefined;

function MoneySettings({ settings }: { settings: PaymentSettings }) {
  const owner = useCan('owner');
  const [form, setForm] = useState(() => toForm(settings));
  const f = useSubmit();
  const errors = fieldErrors(f.error, keyOfMoney, true);
  const set = (next: Partial<MoneyForm>) => {
    setForm((old) => ({ ...old, ...next }));
    f.setStatus('');
  };
  const setRate = (i: number, r: Partial<Rate>) => set({ taxRates: form.taxRates.map((x, j) => (j === i ? { ...x, ...r } : x)) });
  const labels: Record<string, string> = { ...P.fields };
  form.taxRates.forEach((_, i) => {
    Object.assign(labels, { [`taxRates.${i}.name`]: P.rateName(i + 1), [`taxRates.${i}.percent`]: P.ratePercent(i + 1) });
  });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const { body, problems } = toBody(form);
      if (problems.length) throw localError(problems);
      // Only what changed: tax rates sent again would get new ids.
      const payload = changes(toBody(toForm(settings)).body, body);
      if (!Object.keys(payload).length) return P.noChanges;
      const saved = await api<PaymentSettings>(PATH, 'PUT', payload);
      setResource(PATH, saved);
      setForm(toForm(saved));
      return t.saved;
    });
  };
  return (
    <section class="card" aria-labelledby="pay-money-h">
      <h2 id="pay-money-h">{P.money}</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={f.error} keyOf={keyOfMoney} labels={labels} prefix="pay" plain />
        <fieldset disabled={!owner} class="plain">
          <div class="grid2">
            <TextField
              id="pay-currency"
              label={P.fields.currency!}
              hint={P.currencyHint}
              value={form.currency}
              onInput={(v) => set({ currency: v.toUpperCase() })}
              error={errors.currency}
            />
            <TextField
              id="pay-invoicePrefix"
              label={P.fields.invoicePrefix!}
              hint={P.invoicePrefixHint}
              value={form.invoicePrefix}
              onInput={(v) => set({ invoicePrefix: v.toUpperCase() })}
              error={errors.invoicePrefix}
            />
          </div>
          <CheckField
            id="pay-taxInclusive"
            label={P.fields.taxInclusive!}
            checked={form.taxInclusive}
            onChange={(v) => set({ taxInclusive: v })}
            error={errors.taxInclusive}
          />
          <p class="hint">{P.taxInclusiveHint}</p>
          <fieldset class={`group${errors.taxRates ? ' invalid' : ''}`} id="pay-taxRates" tabIndex={-1}>
            <legend>{P.fields.taxRates}</legend>
            <p class="hint">{P.taxRatesHint}</p>
            {errors.taxRates && <p class="field-error">{errors.taxRates}</p>}
            {form.taxRates.length ? (
              <ol class="rates">
                {form.taxRates.map((r, i) => (
                  <li key={i} class="rate-row">
                    <TextField
                      id={`pay-taxRates.${i}.name`}
                      label={P.rateName(i + 1)}
                      value={r.name}
                      onInput={(v) => setRate(i, { name: v })}
                      error={errors[`taxRates.${i}.name`]}
                    />
                    <TextField
                      id={`pay-taxRates.${i}.percent`}
                      label={P.ratePercent(i + 1)}
                      inputMode="decimal"
                      value={r.percent}
                      onInput={(v) => setRate(i, { percent: v })}
                      error={errors[`taxRates.${i}.percent`]}
                      class="narrow"
                    />
                    {owner && (
                      <button type="button" class="btn small" onClick={() => set({ taxRates: form.taxRates.filter((_, j) => j !== i) })}>
                        {P.removeRate(i + 1)}
                      </button>
                    )}
                  </li>
                ))}
              </ol>
            ) : (
              <p class="muted">{P.noTaxRates}</p>
            )}
            {owner && (
              <button type="button" class="btn small" onClick={() => set({ taxRates: [...form.taxRates, { name: '', percent: '' }] })}>
                {P.addRate}
              </button>
            )}
          </fieldset>
        </fieldset>
        {owner && (
          <div class="actions">
            <button type="submit" class="btn primary" disabled={f.busy}>
              {P.save}
            </button>
            <Status text={f.status} />
          </div>
        )}
      </form>
    </section>
  );
}

export function PaymentsPage() {
  useTitle(t.nav.payments);
  const admin = useCan('admin');
  const owner = useCan('owner');
  const { data, error, loading, reload } = useResource<PaymentSettings>(admin ? PATH : null);
  return (
    <>
      <Heading>{t.nav.payments}</Heading>
      <p class="muted">{P.intro}</p>
      {!admin ? (
        <p class="note">{P.adminsOnly}</p>
      ) : data ? (
        <>
          {!owner && <p class="note">{P.ownersOnly}</p>}
          <Connection settings={data} />
          {owner && <KeysForm />}
          <Webhook webhook={data.webhook} />
          <MoneySettings settings={data} />
        </>
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
    </>
  );
}
