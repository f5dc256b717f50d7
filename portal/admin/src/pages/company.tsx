import { useEffect, useRef, useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { setResource, useResource } from '../../../shared/store.ts';
import { POLICY_KINDS, type Company, type Policy, type PolicyKind } from '../types.ts';
import { ErrorBox, FormError, Heading, Loading, ReadOnlyNote, Status, TextField, fieldErrors, formatDateTime, useCan, useTitle } from '../ui.tsx';
import { t } from '../strings/index.ts';

const C = t.company;
type Key = 'name' | 'legalName' | 'taxNumber' | 'address' | 'email' | 'phone' | 'website' | 'openingHours';
const KEYS: Key[] = ['name', 'legalName', 'taxNumber', 'address', 'email', 'phone', 'website', 'openingHours'];
type Form = Record<Key, string>;
const toForm = (c: Company): Form => Object.fromEntries(KEYS.map((k) => [k, c[k] ?? ''])) as Form;
const keyOf = (path: string[]) => ((KEYS as string[]).includes(path[0]!) ? path[0] : undefined);

function CompanyForm({ company }: { company: Company }) {
  const can = useCan('admin');
  const [form, setForm] = useState(() => toForm(company));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState('');
  const errors = fieldErrors(error, keyOf);
  const set = (k: Key, v: string) => {
    setForm((f) => ({ ...f, [k]: v }));
    setStatus('');
  };
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(t.saving);
    try {
      const body = Object.fromEntries(KEYS.map((k) => [k, form[k].trim() || null]));
      const c = await api<Company>('company', 'PUT', body);
      setResource('company', c);
      setForm(toForm(c));
      setStatus(t.saved);
    } catch (err) {
      setStatus('');
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const field = (k: Key, type = 'text', rows?: number) => (
    <TextField
      id={`co-${k}`}
      label={C.fields[k]!}
      hint={C.hints[k]}
      type={type}
      rows={rows}
      value={form[k]}
      onInput={(v) => set(k, v)}
      error={errors[k]}
    />
  );
  return (
    <form onSubmit={onSubmit} noValidate>
      <FormError error={error} keyOf={keyOf} labels={C.fields} prefix="co" />
      <fieldset disabled={!can} class="plain">
        {field('name')}
        <div class="grid2">
          {field('legalName')}
          {field('taxNumber')}
        </div>
        {field('address', 'text', 3)}
        <div class="grid2">
          {field('email', 'email')}
          {field('phone', 'tel')}
        </div>
        {field('website', 'url')}
        {field('openingHours', 'text', 4)}
      </fieldset>
      {can && (
        <div class="actions">
          <button type="submit" class="btn primary" disabled={busy}>
            {C.save}
          </button>
          <Status text={status} />
        </div>
      )}
    </form>
  );
}

function PolicyEditor({ kind }: { kind: PolicyKind }) {
  const can = useCan('admin');
  const title = C.titles[kind]!;
  const [state, setState] = useState<{ loading: boolean; error?: ApiError; policy?: Policy }>({ loading: true });
  const [markdown, setMarkdown] = useState('');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const attempt = useRef(0);

  const load = () => {
    const mine = ++attempt.current;
    setState({ loading: true });
    api<Policy>(`policies/${kind}`).then(
      (p) => {
        if (mine !== attempt.current) return;
        setState({ loading: false, policy: p });
        setMarkdown(p.markdown ?? '');
      },
      (err: unknown) => {
        if (mine !== attempt.current) return;
        const e = asApiError(err);
        if (e.status === 404) {
          setState({ loading: false });
          setMarkdown('');
        } else setState({ loading: false, error: e });
      },
    );
  };
  useEffect(load, [kind]);

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(t.saving);
    try {
      const p = await api<Policy>(`policies/${kind}`, 'PUT', { markdown });
      setState({ loading: false, policy: p });
      setStatus(p.html ? C.published : C.withdrawn);
    } catch (err) {
      setStatus('');
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  if (state.loading) return <Loading />;
  if (state.error) return <ErrorBox error={state.error} retry={load} />;
  const p = state.policy;
  return (
    <div class="policy">
      <form onSubmit={onSubmit} noValidate>
        <FormError
          error={error}
          keyOf={(path) => (path[0] === 'markdown' ? 'markdown' : undefined)}
          labels={{ markdown: C.markdown(title) }}
          prefix={`pol-${kind}`}
        />
        <TextField
          id={`pol-${kind}-markdown`}
          label={C.markdown(title)}
          rows={14}
          mono
          value={markdown}
          onInput={(v) => {
            setMarkdown(v);
            setStatus('');
          }}
          disabled={!can}
          hint={C.markdownHint}
          error={fieldErrors(error, (path) => (path[0] === 'markdown' ? 'm' : undefined)).m}
        />
        {can && (
          <div class="actions">
            <button type="submit" class="btn primary" disabled={busy}>
              {C.savePreview}
            </button>
            <Status text={status} />
          </div>
        )}
      </form>
      <section class="policy-preview" aria-labelledby={`pol-${kind}-preview`}>
        <h3 id={`pol-${kind}-preview`}>{C.preview}</h3>
        {p?.html ? (
          <>
            <p class="hint">{C.lastUpdated(formatDateTime(p.updatedAt))}</p>
            <div class="prose" dangerouslySetInnerHTML={{ __html: p.html }} />
          </>
        ) : (
          <p class="muted">{can ? C.saveToPreview : C.notPublished}</p>
        )}
      </section>
    </div>
  );
}

function Policies() {
  const [kind, setKind] = useState<PolicyKind>('terms');
  const tabs = useRef<HTMLDivElement>(null);
  const onKey = (e: KeyboardEvent) => {
    const i = POLICY_KINDS.indexOf(kind);
    const n =
      e.key === 'ArrowRight'
        ? (i + 1) % POLICY_KINDS.length
        : e.key === 'ArrowLeft'
          ? (i + POLICY_KINDS.length - 1) % POLICY_KINDS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? POLICY_KINDS.length - 1
              : -1;
    if (n < 0) return;
    e.preventDefault();
    setKind(POLICY_KINDS[n]!);
    tabs.current?.querySelectorAll<HTMLButtonElement>('[role=tab]')[n]?.focus();
  };
  return (
    <section class="card" aria-labelledby="policies-h">
      <h2 id="policies-h">{C.policies}</h2>
      <div role="tablist" aria-labelledby="policies-h" class="tabs" ref={tabs} onKeyDown={onKey}>
        {POLICY_KINDS.map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            id={`tab-${k}`}
            aria-selected={k === kind ? 'true' : 'false'}
            aria-controls={`panel-${k}`}
            tabIndex={k === kind ? 0 : -1}
            onClick={() => setKind(k)}
          >
            {C.titles[k]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${kind}`} aria-labelledby={`tab-${kind}`}>
        <PolicyEditor key={kind} kind={kind} />
      </div>
    </section>
  );
}

export function CompanyPage() {
  useTitle(t.nav.company);
  const { data, error, loading, reload } = useResource<Company>('company');
  return (
    <>
      <Heading>{t.nav.company}</Heading>
      <p class="muted">{C.intro}</p>
      <ReadOnlyNote />
      <section class="card" aria-labelledby="info-h">
        <h2 id="info-h">{C.info}</h2>
        {data ? <CompanyForm company={data} /> : loading ? <Loading /> : error && <ErrorBox error={error} retry={reload} />}
      </section>
      <Policies />
    </>
  );
}
