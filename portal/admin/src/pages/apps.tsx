import { useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { invalidate, setResource, useResource } from '../../../shared/store.ts';
import { go, href } from '../router.ts';
import type { Client, ClientKind, Grant, List, Role, Scope } from '../types.ts';
import {
  CheckField,
  Copyable,
  ErrorBox,
  FormError,
  Heading,
  Loading,
  ReadOnlyNote,
  SelectField,
  Status,
  TextField,
  fieldErrors,
  formatDateTime,
  setNotice,
  useAction,
  useCan,
  useNotice,
  useTitle,
  Alert,
} from '../ui.tsx';
import { t } from '../strings/index.ts';

const A = t.apps;
const KINDS: ClientKind[] = ['web', 'public', 'machine'];

// The secret of a just-registered app, handed from the form to the detail page it navigates to; shown once.
let createdSecret: { clientId: string; secret: string } | null = null;

export function AppsPage() {
  useTitle(t.nav.apps);
  const can = useCan('admin');
  const notice = useNotice();
  const { data, error, loading, reload } = useResource<List<Client>>('clients');
  return (
    <>
      <div class="page-head">
        <Heading>{t.nav.apps}</Heading>
        {can && (
          <button type="button" class="btn primary" onClick={() => go('apps', 'new')}>
            {A.register}
          </button>
        )}
      </div>
      <p class="muted">{A.intro}</p>
      <Status text={notice} />
      {data ? (
        data.items.length ? (
          <div class="table-wrap">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{A.name}</th>
                  <th scope="col">{A.type}</th>
                  <th scope="col">{A.clientId}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((c) => (
                  <tr key={c.clientId}>
                    <td>
                      <a href={href('apps', c.clientId)}>{c.name}</a> {c.firstParty && <span class="badge">{A.firstPartyBadge}</span>}
                    </td>
                    <td>{A.kinds[c.kind] ?? c.kind}</td>
                    <td>
                      <code class="break">{c.clientId}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="empty">{A.empty}</p>
        )
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
    </>
  );
}

type Form = {
  name: string;
  kind: ClientKind;
  redirectUris: string;
  postLogoutRedirectUris: string;
  backchannelLogoutUri: string;
  webOrigins: string;
  scopes: string[];
  firstParty: boolean;
  logoUri: string;
  policyUri: string;
  tosUri: string;
  adminRole: '' | Role;
};
type Key = keyof Form;
const URL_KEYS = ['logoUri', 'policyUri', 'tosUri'] as const;
const KEYS = new Set<string>([
  'name',
  'kind',
  'redirectUris',
  'postLogoutRedirectUris',
  'backchannelLogoutUri',
  'webOrigins',
  'scopes',
  'firstParty',
  ...URL_KEYS,
  'adminRole',
]);

const toForm = (c?: Client): Form => ({
  name: c?.name ?? '',
  kind: c?.kind ?? 'web',
  redirectUris: (c?.redirectUris ?? []).join('\n'),
  postLogoutRedirectUris: (c?.postLogoutRedirectUris ?? []).join('\n'),
  backchannelLogoutUri: c?.backchannelLogoutUri ?? '',
  webOrigins: (c?.webOrigins ?? []).join('\n'),
  scopes: c?.scopes ?? ['openid'],
  firstParty: c?.firstParty ?? false,
  logoUri: c?.logoUri ?? '',
  policyUri: c?.policyUri ?? '',
  tosUri: c?.tosUri ?? '',
  adminRole: c?.adminRole ?? '',
});

const lines = (s: string): string[] =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function createBody(f: Form): Record<string, unknown> {
  const machine = f.kind === 'machine';
  const body: Record<string, unknown> = {
    name: f.name.trim(),
    kind: f.kind,
    redirectUris: machine ? [] : lines(f.redirectUris),
    postLogoutRedirectUris: machine ? [] : lines(f.postLogoutRedirectUris),
    scopes: f.scopes,
    firstParty: machine ? false : f.firstParty,
  };
  if (!machine && f.backchannelLogoutUri.trim()) body.backchannelLogoutUri = f.backchannelLogoutUri.trim();
  if (f.kind === 'public') body.webOrigins = lines(f.webOrigins);
  for (const k of URL_KEYS) if (f[k].trim()) body[k] = f[k].trim();
  if (machine && f.adminRole) body.adminRole = f.adminRole;
  return body;
}

/** The PATCH body: only what changed; an emptied optional URL (or role) is sent as null to clear it. */
function patchBody(c: Client, f: Form): Record<string, unknown> {
  const o = toForm(c);
  const out: Record<string, unknown> = {};
  const machine = c.kind === 'machine';
  if (f.name.trim() !== o.name) out.name = f.name.trim();
  if (!machine) {
    for (const k of ['redirectUris', 'postLogoutRedirectUris', 'webOrigins'] as const) {
      if (lines(f[k]).join('\n') !== lines(o[k]).join('\n')) out[k] = lines(f[k]);
    }
    if (f.backchannelLogoutUri.trim() !== o.backchannelLogoutUri) out.backchannelLogoutUri = f.backchannelLogoutUri.trim() || null;
    if (f.firstParty !== o.firstParty) out.firstParty = f.firstParty;
  } else if (f.adminRole !== o.adminRole) out.adminRole = f.adminRole || null;
  if ([...f.scopes].sort().join(' ') !== [...o.scopes].sort().join(' ')) out.scopes = f.scopes;
  for (const k of URL_KEYS) if (f[k].trim() !== o[k]) out[k] = f[k].trim() || null;
  return out;
}

const keyOf = (path: string[]): string | undefined => (KEYS.has(path[0]!) ? path[0] : undefined);
const withoutSecret = ({ clientSecret: _, ...c }: Client & { clientSecret?: string }): Client => c;

function AppForm({ client, scopes }: { client?: Client; scopes: Scope[] }) {
  const can = useCan('admin');
  const [form, setForm] = useState<Form>(() => toForm(client));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState('');
  const errors = fieldErrors(error, keyOf);
  const set = <K extends Key>(k: K, v: Form[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setStatus('');
  };
  const machine = form.kind === 'machine';
  const id = (k: Key) => `app-${k}`;

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus('');
    let body: Record<string, unknown>;
    if (client) {
      body = patchBody(client, form);
      if (!Object.keys(body).length) {
        setStatus(A.noChanges);
        return;
      }
    } else body = createBody(form);
    setBusy(true);
    if (client) setStatus(t.saving);
    try {
      if (client) {
        const c = withoutSecret(await api<Client>(`clients/${encodeURIComponent(client.clientId)}`, 'PATCH', body));
        setResource(`clients/${c.clientId}`, c);
        invalidate('clients');
        setForm(toForm(c));
        setStatus(A.savedChanges);
      } else {
        const created = await api<Client & { clientSecret?: string }>('clients', 'POST', body);
        if (created.clientSecret) createdSecret = { clientId: created.clientId, secret: created.clientSecret };
        setResource(`clients/${created.clientId}`, withoutSecret(created));
        invalidate('clients');
        setNotice(A.registered(created.name));
        go('apps', created.clientId);
      }
    } catch (err) {
      setStatus('');
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const scopeList = [...scopes];
  for (const s of form.scopes) if (!scopes.some((x) => x.scope === s)) scopeList.push({ scope: s, description: '' });

  return (
    <form class="stack-sm" onSubmit={onSubmit} noValidate>
      <FormError error={error} keyOf={keyOf} labels={A.fields} prefix="app" />
      <fieldset disabled={!can} class="plain">
        <TextField id={id('name')} label={A.fields.name!} value={form.name} onInput={(v) => set('name', v)} error={errors.name} required />
        <SelectField
          id={id('kind')}
          label={A.fields.kind!}
          value={form.kind}
          onChange={(v) => set('kind', v as ClientKind)}
          options={KINDS.map((k) => [k, A.kinds[k]!])}
          disabled={!!client}
          hint={client ? A.kindFixed : undefined}
          error={errors.kind}
        />
        {!machine && (
          <>
            <TextField
              id={id('redirectUris')}
              label={A.fields.redirectUris!}
              value={form.redirectUris}
              onInput={(v) => set('redirectUris', v)}
              rows={3}
              mono
              hint={A.onePerLine}
              error={errors.redirectUris}
            />
            <TextField
              id={id('postLogoutRedirectUris')}
              label={A.fields.postLogoutRedirectUris!}
              value={form.postLogoutRedirectUris}
              onInput={(v) => set('postLogoutRedirectUris', v)}
              rows={2}
              mono
              hint={A.onePerLine}
              error={errors.postLogoutRedirectUris}
            />
            <TextField
              id={id('backchannelLogoutUri')}
              label={A.fields.backchannelLogoutUri!}
              type="url"
              value={form.backchannelLogoutUri}
              onInput={(v) => set('backchannelLogoutUri', v)}
              error={errors.backchannelLogoutUri}
            />
            {form.kind === 'public' && (
              <TextField
                id={id('webOrigins')}
                label={A.fields.webOrigins!}
                value={form.webOrigins}
                onInput={(v) => set('webOrigins', v)}
                rows={2}
                mono
                hint={A.webOriginsHint}
                error={errors.webOrigins}
              />
            )}
          </>
        )}
        <fieldset id={id('scopes')} tabIndex={-1} class={`scopes${errors.scopes ? ' invalid' : ''}`}>
          <legend>{A.fields.scopes}</legend>
          {errors.scopes && <span class="field-error">{errors.scopes}</span>}
          {scopeList.map((s) => (
            <div class="check" key={s.scope}>
              <input
                id={`app-scope-${s.scope}`}
                type="checkbox"
                checked={form.scopes.includes(s.scope)}
                aria-describedby={s.description ? `app-scope-${s.scope}-d` : undefined}
                onChange={(e) => set('scopes', e.currentTarget.checked ? [...form.scopes, s.scope] : form.scopes.filter((x) => x !== s.scope))}
              />
              {/* The description is the checkbox's description, not part of its name: descriptions such as
                  "See your name" would otherwise make the "Name" field's label ambiguous. */}
              <label for={`app-scope-${s.scope}`}>
                <code>{s.scope}</code>
              </label>
              {s.description && (
                <span id={`app-scope-${s.scope}-d`} class="muted">
                  {s.description}
                </span>
              )}
            </div>
          ))}
        </fieldset>
        {!machine && (
          <CheckField
            id={id('firstParty')}
            label={A.fields.firstParty!}
            checked={form.firstParty}
            onChange={(v) => set('firstParty', v)}
            error={errors.firstParty}
          />
        )}
        <div class="grid2">
          {URL_KEYS.map((k) => (
            <TextField key={k} id={id(k)} label={A.fields[k]!} type="url" value={form[k]} onInput={(v) => set(k, v)} error={errors[k]} />
          ))}
        </div>
        {machine && (
          <SelectField
            id={id('adminRole')}
            label={A.fields.adminRole!}
            value={form.adminRole}
            onChange={(v) => set('adminRole', v as Form['adminRole'])}
            hint={A.adminRoleHint}
            error={errors.adminRole}
            options={[
              ['', t.none],
              ['staff', t.roles.staff!],
              ['admin', t.roles.admin!],
              ...(form.adminRole === 'owner' ? [['owner', t.roles.owner!, true] as [string, string, boolean]] : []),
            ]}
          />
        )}
      </fieldset>
      {can && (
        <div class="actions">
          <button type="submit" class="btn primary" disabled={busy} aria-busy={busy ? 'true' : undefined}>
            {client ? A.save : A.submit}
          </button>
          <Status text={status} />
        </div>
      )}
    </form>
  );
}

function useScopes() {
  return useResource<List<Scope>>('scopes');
}

export function NewAppPage() {
  useTitle(A.newTitle);
  const scopes = useScopes();
  const can = useCan('admin');
  return (
    <>
      <p class="back">
        <a href={href('apps')}>← {t.nav.apps}</a>
      </p>
      <Heading>{A.newTitle}</Heading>
      <ReadOnlyNote />
      {scopes.data ? (
        can && (
          <section class="card">
            <AppForm scopes={scopes.data.items} />
          </section>
        )
      ) : scopes.loading ? (
        <Loading />
      ) : (
        scopes.error && <ErrorBox error={scopes.error} retry={scopes.reload} />
      )}
    </>
  );
}

function SecretBox({ secret }: { secret: string }) {
  return (
    <section class="card secret" aria-labelledby="secret-h">
      <h2 id="secret-h">{A.secretTitle}</h2>
      <p>
        <strong>{A.secretOnce}</strong>
      </p>
      <Copyable value={secret} label={A.secretTitle} testId="client-secret" />
    </section>
  );
}

function Grants({ clientId }: { clientId: string }) {
  const path = `clients/${encodeURIComponent(clientId)}/grants`;
  const { data, error, loading, reload } = useResource<List<Grant>>(path);
  const can = useCan('admin');
  const act = useAction();
  const revoke = (g: Grant) =>
    act.run(async () => {
      await api(`${path}/${encodeURIComponent(g.accountId)}`, 'DELETE');
      setResource<List<Grant>>(path, { items: (data?.items ?? []).filter((x) => x.accountId !== g.accountId) });
      return A.revoked(g.email);
    });
  return (
    <section class="card" aria-labelledby="grants-h">
      <h2 id="grants-h">{A.grantsTitle}</h2>
      {data ? (
        data.items.length ? (
          <div class="table-wrap">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{A.grantEmail}</th>
                  <th scope="col">{A.grantScopes}</th>
                  <th scope="col">{A.grantedAt}</th>
                  {can && <td />}
                </tr>
              </thead>
              <tbody>
                {data.items.map((g) => (
                  <tr key={g.accountId}>
                    <td class="break">{g.email}</td>
                    <td>
                      <code>{g.scopes.join(' ')}</code>
                    </td>
                    <td>{formatDateTime(g.grantedAt)}</td>
                    {can && (
                      <td class="row-actions">
                        <button type="button" class="btn small" disabled={act.busy} onClick={() => revoke(g)}>
                          {A.revoke}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="empty">{A.grantsEmpty}</p>
        )
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
      <Alert text={act.error} />
      <Status text={act.status} />
    </section>
  );
}

export function AppDetailPage({ boot, param }: PageProps) {
  const clientId = param ?? '';
  const path = `clients/${encodeURIComponent(clientId)}`;
  const { data: c, error, loading, reload } = useResource<Client>(path);
  const scopes = useScopes();
  const can = useCan('admin');
  const notice = useNotice();
  const [secret, setSecret] = useState(() => {
    const s = createdSecret?.clientId === clientId ? createdSecret.secret : '';
    createdSecret = null;
    return s;
  });
  const act = useAction();
  useTitle(c?.name ?? t.nav.apps);

  const rotate = () => {
    if (!c || !confirm(A.rotateConfirm(c.name))) return;
    void act.run(async () => {
      const r = await api<Client & { clientSecret: string }>(`${path}/secret`, 'POST');
      setSecret(r.clientSecret);
      setResource(path, withoutSecret(r));
    });
  };
  const remove = () => {
    if (!c || !confirm(A.deleteConfirm(c.name))) return;
    void act.run(async () => {
      await api(path, 'DELETE');
      invalidate('clients');
      setNotice(A.deleted(c.name));
      go('apps');
    });
  };

  const discovery = `${location.origin}/${boot.org.slug}/.well-known/openid-configuration`;
  return (
    <>
      <p class="back">
        <a href={href('apps')}>← {t.nav.apps}</a>
      </p>
      <Heading>{c?.name ?? t.nav.apps}</Heading>
      <Status text={notice} />
      {c ? (
        <>
          {secret && <SecretBox secret={secret} />}
          <section class="card" aria-labelledby="conn-h">
            <h2 id="conn-h">{A.connection}</h2>
            <dl class="facts">
              <dt>{A.clientId}</dt>
              <dd>
                <Copyable value={c.clientId} label={A.clientId} testId="client-id" />
              </dd>
              <dt>{A.type}</dt>
              <dd>
                {A.kinds[c.kind] ?? c.kind} {c.firstParty && <span class="badge">{A.firstPartyBadge}</span>}
              </dd>
              {c.kind !== 'machine' && (
                <>
                  <dt>{A.discovery}</dt>
                  <dd>
                    <Copyable value={discovery} label={A.discovery} />
                  </dd>
                </>
              )}
            </dl>
            {can && (
              <div class="actions">
                {c.kind !== 'public' && (
                  <button type="button" class="btn" disabled={act.busy} onClick={rotate}>
                    {A.rotate}
                  </button>
                )}
                <button type="button" class="btn danger" disabled={act.busy} onClick={remove}>
                  {A.delete}
                </button>
              </div>
            )}
            <Alert text={act.error} />
          </section>
          <section class="card" aria-labelledby="settings-h">
            <h2 id="settings-h">{A.settings}</h2>
            <ReadOnlyNote />
            {scopes.data ? (
              <AppForm key={c.clientId} client={c} scopes={scopes.data.items} />
            ) : scopes.loading ? (
              <Loading />
            ) : (
              scopes.error && <ErrorBox error={scopes.error} retry={scopes.reload} />
            )}
          </section>
          {c.kind !== 'machine' && <Grants clientId={c.clientId} />}
        </>
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
    </>
  );
}
