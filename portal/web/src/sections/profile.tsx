import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps, SectionDef } from './types.ts';
import type { Address, Profile } from '../types.ts';
import { api, ApiError, type FieldError } from '../../../shared/api.ts';
import { setResource, useResource } from '../../../shared/store.ts';
import { ErrorBox, Heading, Loading, useTitle } from '../ui.tsx';
import { t } from '../strings/index.ts';
import { ConnectedApps } from './connected-apps.tsx';
import { useFormsLive, YourForms } from './forms.tsx';

const F = t.profile.fields;

type TextKey = 'givenName' | 'familyName' | 'phoneNumber' | 'dateOfBirth' | 'line1' | 'line2' | 'city' | 'postalCode' | 'region' | 'country';
type PrefKey = 'emailMarketing' | 'smsMarketing' | 'bookingReminders';
type Form = Record<TextKey, string> & Record<PrefKey, boolean>;

const TOP: TextKey[] = ['givenName', 'familyName', 'phoneNumber', 'dateOfBirth'];
const ADDR: TextKey[] = ['line1', 'line2', 'city', 'postalCode', 'region', 'country'];
const PREFS: PrefKey[] = ['emailMarketing', 'smsMarketing', 'bookingReminders'];

function toForm(p: Profile): Form {
  const a: Partial<Address> = p.address ?? {};
  return {
    givenName: p.givenName ?? '',
    familyName: p.familyName ?? '',
    phoneNumber: p.phoneNumber ?? '',
    dateOfBirth: p.dateOfBirth ?? '',
    line1: a.line1 ?? '',
    line2: a.line2 ?? '',
    city: a.city ?? '',
    postalCode: a.postalCode ?? '',
    region: a.region ?? '',
    country: a.country ?? '',
    emailMarketing: !!p.preferences?.emailMarketing,
    smsMarketing: !!p.preferences?.smsMarketing,
    bookingReminders: !!p.preferences?.bookingReminders,
  };
}

function formAddress(f: Form): Address | null {
  if (ADDR.every((k) => !f[k].trim())) return null;
  const a: Address = { line1: f.line1.trim(), city: f.city.trim(), postalCode: f.postalCode.trim(), country: f.country };
  if (f.line2.trim()) a.line2 = f.line2.trim();
  if (f.region.trim()) a.region = f.region.trim();
  return a;
}

const sameAddress = (a: Address | null, b: Address | null): boolean =>
  !a || !b
    ? a === b
    : ADDR.every((k) => ((a as Record<string, string | undefined>)[k] ?? '') === ((b as Record<string, string | undefined>)[k] ?? ''));

/** The PATCH body: only the fields that changed. */
function changes(p: Profile, f: Form): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of TOP) {
    const v = f[k].trim();
    const old = (p[k as keyof Profile] as string | undefined) ?? '';
    if (v !== old) out[k] = v === '' ? null : v;
  }
  const addr = formAddress(f);
  if (!sameAddress(addr, p.address ?? null)) out.address = addr;
  if (PREFS.some((k) => f[k] !== !!p.preferences?.[k])) {
    out.preferences = { emailMarketing: f.emailMarketing, smsMarketing: f.smsMarketing, bookingReminders: f.bookingReminders };
  }
  return out;
}

/** Server field path (e.g. "address.postalCode") → form input key. */
function fieldKey(field: string): TextKey | PrefKey | undefined {
  const last = field.split('.').pop()!;
  if (field === 'address') return 'line1';
  return (TOP as string[]).includes(last) || (ADDR as string[]).includes(last) || (PREFS as string[]).includes(last)
    ? (last as TextKey | PrefKey)
    : undefined;
}

const LABEL: Record<TextKey | PrefKey, string> = F as unknown as Record<TextKey | PrefKey, string>;

export function completeness(p: Profile): { pct: number; missing: string[] } {
  const checks: [boolean, string][] = [
    [!!p.givenName, F.givenName],
    [!!p.familyName, F.familyName],
    [!!p.phoneNumber, F.phoneNumber],
    [!!p.dateOfBirth, F.dateOfBirth],
    [!!p.address, t.profile.address],
  ];
  const missing = checks.filter(([ok]) => !ok).map(([, l]) => l);
  return { pct: Math.round(((checks.length - missing.length) / checks.length) * 100), missing };
}

function TextField(props: {
  name: TextKey;
  form: Form;
  set: (k: TextKey, v: string) => void;
  errors: Partial<Record<string, string>>;
  type?: 'text' | 'tel' | 'date';
  autoComplete?: string;
  hint?: string;
}) {
  const { name, form, set, errors, hint } = props;
  const id = `pf-${name}`;
  const err = errors[name];
  const describedBy = [hint && `${id}-hint`, err && `${id}-err`].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${err ? ' invalid' : ''}`}>
      <label for={id}>{LABEL[name]}</label>
      {err && (
        <span id={`${id}-err`} class="field-error">
          {err}
        </span>
      )}
      <input
        id={id}
        name={name}
        type={(props.type ?? 'text') as 'text'}
        autoComplete={props.autoComplete}
        value={form[name]}
        onInput={(e) => set(name, e.currentTarget.value)}
        aria-invalid={err ? 'true' : undefined}
        aria-describedby={describedBy}
      />
      {hint && (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

function ProfileForm({ profile }: { profile: Profile }) {
  const [form, setForm] = useState<Form>(() => toForm(profile));
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const summary = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (error) summary.current?.focus();
  }, [error]);

  const set = (k: TextKey | PrefKey, v: string | boolean) => {
    setForm((f) => ({ ...f, [k]: v }));
    setStatus('');
  };

  const errors: Partial<Record<string, string>> = {};
  const unmapped: FieldError[] = [];
  for (const d of error?.details ?? []) {
    const k = fieldKey(d.field);
    if (k && !errors[k]) errors[k] = d.message;
    else if (!k) unmapped.push(d);
  }

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const body = changes(profile, form);
    setError(null);
    if (!Object.keys(body).length) {
      setStatus(t.profile.noChanges);
      return;
    }
    setBusy(true);
    setStatus('');
    try {
      const p = await api<Profile>('profile', 'PATCH', body);
      setForm(toForm(p));
      setResource('profile', p);
      setStatus(t.profile.saved);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, t.errors.generic));
    } finally {
      setBusy(false);
    }
  };

  const focusField = (k: string) => (e: Event) => {
    e.preventDefault();
    document.getElementById(`pf-${k}`)?.focus();
  };

  const countries = Object.entries(t.countries).sort((a, b) => a[1].localeCompare(b[1]));
  if (form.country && !t.countries[form.country]) countries.unshift([form.country, form.country]);
  const cErr = errors.country;

  return (
    <form class="stack" onSubmit={onSubmit} noValidate>
      {error && (
        <div class="alert" role="alert" tabIndex={-1} ref={summary}>
          <p>
            <strong>{error.details.length ? t.profile.errorSummary : error.description}</strong>
          </p>
          {error.details.length > 0 && (
            <ul>
              {error.details.map((d) => {
                const k = fieldKey(d.field);
                return (
                  <li key={d.field}>
                    {k ? (
                      <a href={`#pf-${k}`} onClick={focusField(k)}>
                        {LABEL[k]}: {d.message}
                      </a>
                    ) : (
                      `${d.field}: ${d.message}`
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
      <fieldset>
        <legend>{t.profile.personal}</legend>
        <div class="grid2">
          <TextField name="givenName" form={form} set={set} errors={errors} autoComplete="given-name" />
          <TextField name="familyName" form={form} set={set} errors={errors} autoComplete="family-name" />
          <TextField name="phoneNumber" form={form} set={set} errors={errors} type="tel" autoComplete="tel" hint={F.phoneHint} />
          <TextField name="dateOfBirth" form={form} set={set} errors={errors} type="date" autoComplete="bday" />
        </div>
      </fieldset>
      <fieldset>
        <legend>{t.profile.address}</legend>
        <TextField name="line1" form={form} set={set} errors={errors} autoComplete="address-line1" />
        <TextField name="line2" form={form} set={set} errors={errors} autoComplete="address-line2" />
        <div class="grid2">
          <TextField name="city" form={form} set={set} errors={errors} autoComplete="address-level2" />
          <TextField name="postalCode" form={form} set={set} errors={errors} autoComplete="postal-code" />
          <TextField name="region" form={form} set={set} errors={errors} autoComplete="address-level1" />
          <div class={`field${cErr ? ' invalid' : ''}`}>
            <label for="pf-country">{F.country}</label>
            {cErr && (
              <span id="pf-country-err" class="field-error">
                {cErr}
              </span>
            )}
            <select
              id="pf-country"
              name="country"
              autoComplete="country"
              value={form.country}
              onChange={(e) => set('country', e.currentTarget.value)}
              aria-invalid={cErr ? 'true' : undefined}
              aria-describedby={cErr ? 'pf-country-err' : undefined}
            >
              <option value="">{F.chooseCountry}</option>
              {countries.map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>{t.profile.preferences}</legend>
        {PREFS.map((k) => (
          <div class="check" key={k}>
            <input
              id={`pf-${k}`}
              type="checkbox"
              checked={form[k]}
              onChange={(e) => set(k, e.currentTarget.checked)}
              aria-invalid={errors[k] ? 'true' : undefined}
              aria-describedby={errors[k] ? `pf-${k}-err` : undefined}
            />
            <label for={`pf-${k}`}>{LABEL[k]}</label>
            {errors[k] && (
              <span id={`pf-${k}-err`} class="field-error">
                {errors[k]}
              </span>
            )}
          </div>
        ))}
      </fieldset>
      <div class="actions">
        <button type="submit" class="btn primary" disabled={busy} aria-busy={busy ? 'true' : undefined}>
          {t.profile.save}
        </button>
        <p role="status" class="status">
          {status}
        </p>
      </div>
    </form>
  );
}

function EmailBlock({ profile }: { profile: Profile }) {
  const E = t.profile.email;
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [sentTo, setSentTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const codeRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (sentTo) codeRef.current?.focus();
  }, [sentTo]);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError('');
    setStatus('');
    try {
      await fn();
    } catch (err) {
      setError(err instanceof ApiError ? err.description : t.errors.generic);
    } finally {
      setBusy(false);
    }
  };

  const send = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const r = await api<{ sentTo: string }>('profile/email-change', 'POST', { email: email.trim() });
      setSentTo(r?.sentTo || email.trim());
      setCode('');
    });
  };

  const verify = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const p = await api<Profile>('profile/email-change/verify', 'POST', { code: code.trim() });
      setResource('profile', p);
      setSentTo('');
      setEmail('');
      setCode('');
      setStatus(E.changed);
    });
  };

  return (
    <section class="card" aria-labelledby="email-heading">
      <h2 id="email-heading">{E.heading}</h2>
      <p>
        <span class="muted">{E.current}: </span>
        <strong class="break">{profile.email}</strong> <span class="badge">{profile.emailVerified ? E.verified : E.unverified}</span>
      </p>
      <h3>{E.change}</h3>
      {!sentTo ? (
        <form class="inline-form" onSubmit={send} noValidate>
          <div class="field">
            <label for="em-new">{E.newEmail}</label>
            <input id="em-new" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </div>
          <button type="submit" class="btn primary" disabled={busy || !email.trim()}>
            {E.sendCode}
          </button>
        </form>
      ) : (
        <form class="inline-form" onSubmit={verify} noValidate>
          <p class="full">{E.sentTo(sentTo)}</p>
          <div class="field">
            <label for="em-code">{E.code}</label>
            <input
              id="em-code"
              ref={codeRef}
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]*"
              maxLength={6}
              required
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="btn primary" disabled={busy || !code.trim()}>
            {E.confirm}
          </button>
          <button
            type="button"
            class="btn"
            disabled={busy}
            onClick={() => {
              setSentTo('');
              setError('');
            }}
          >
            {E.cancel}
          </button>
        </form>
      )}
      {error && (
        <p role="alert" class="alert">
          {error}
        </p>
      )}
      <p role="status" class="status">
        {status}
      </p>
    </section>
  );
}

function ProfilePage({ section, boot }: PageProps) {
  useTitle(section.label);
  useFormsLive(boot.bff);
  const { data, error, loading, reload } = useResource<Profile>('profile');
  return (
    <>
      <Heading>{section.label}</Heading>
      <p class="muted">{t.profile.intro}</p>
      {data ? (
        <>
          <EmailBlock profile={data} />
          <section class="card">
            <ProfileForm profile={data} key={data.sub} />
          </section>
        </>
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
      <YourForms />
      <ConnectedApps />
    </>
  );
}

function ProfileCard() {
  const { data, error, loading } = useResource<Profile>('profile');
  if (!data) return loading ? <Loading /> : error ? <p role="alert">{error.description}</p> : null;
  const { pct, missing } = completeness(data);
  return (
    <>
      <p class="break">{data.email}</p>
      <p>{t.profile.complete(pct)}</p>
      {missing.length > 0 && (
        <p class="muted">
          {t.profile.missing} {missing.join(', ')}
        </p>
      )}
    </>
  );
}

export const profile: SectionDef = { Page: ProfilePage, Card: ProfileCard };
