// "Connected apps" card of the Profile page: third-party apps the customer allowed, each removable after an
// inline confirmation.
import { useRef, useState } from 'preact/hooks';
import type { ConnectedApp } from '../types.ts';
import { api, ApiError } from '../../../shared/api.ts';
import { setResource, useResource } from '../../../shared/store.ts';
import { ErrorBox, Loading, formatDate, useQuestionFocus } from '../ui.tsx';
import { t } from '../strings/index.ts';

const A = t.connectedApps;
const PATH = 'connected-apps';
type Apps = { items: ConnectedApp[] };

function AppItem({ app, n, remove }: { app: ConnectedApp; n: number; remove: (a: ConnectedApp) => Promise<boolean> }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const { ask: removeBtn, safe: cancelBtn } = useQuestionFocus(asking); // to Cancel, then back to "Remove access"

  const yes = async () => {
    setBusy(true);
    if (!(await remove(app))) {
      setBusy(false);
      setAsking(false);
    }
  };

  const id = `app-${n}`;
  return (
    <li class="app">
      <div class="app-head">
        {app.logoUri && <img class="app-logo" src={app.logoUri} alt="" width={32} height={32} />}
        <div>
          <h3 class="break">{app.name}</h3>
          <p class="muted">{A.allowedOn(formatDate(app.grantedAt))}</p>
        </div>
      </div>
      {app.scopes?.length > 0 && (
        <ul class="scopes">
          {app.scopes.map((s) => (
            <li key={s.scope}>{s.description || s.scope}</li>
          ))}
        </ul>
      )}
      {asking ? (
        <fieldset class="confirm" aria-labelledby={`${id}-q`}>
          <p id={`${id}-q`}>{A.confirm(app.name)}</p>
          <button type="button" class="btn danger" disabled={busy} aria-busy={busy ? 'true' : undefined} onClick={yes}>
            {A.confirmYes}
          </button>
          <button type="button" class="btn" disabled={busy} ref={cancelBtn} onClick={() => setAsking(false)}>
            {A.cancel}
          </button>
        </fieldset>
      ) : (
        <button type="button" class="btn" ref={removeBtn} aria-label={A.removeFor(app.name)} onClick={() => setAsking(true)}>
          {A.remove}
        </button>
      )}
    </li>
  );
}

export function ConnectedApps() {
  const { data, error, loading, reload } = useResource<Apps>(PATH);
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const latest = useRef(data);
  latest.current = data;
  const items = data?.items ?? [];

  const remove = async (app: ConnectedApp): Promise<boolean> => {
    setFailure('');
    setStatus('');
    try {
      await api<void>(`${PATH}/${encodeURIComponent(app.clientId)}`, 'DELETE');
    } catch (err) {
      // Already gone (e.g. removed in another tab): the outcome the customer wanted.
      if (!(err instanceof ApiError && err.status === 404)) {
        setFailure(err instanceof ApiError ? err.description : t.errors.generic);
        return false;
      }
    }
    const now = latest.current?.items ?? [];
    setResource<Apps>(PATH, { ...latest.current, items: now.filter((a) => a.clientId !== app.clientId) });
    setStatus(A.removed(app.name));
    heading.current?.focus();
    return true;
  };

  return (
    <section class="card" aria-labelledby="apps-heading">
      <h2 id="apps-heading" tabIndex={-1} ref={heading}>
        {A.heading}
      </h2>
      {data ? (
        items.length ? (
          <>
            <p class="muted">{A.intro}</p>
            <ul class="apps">
              {items.map((a, i) => (
                <AppItem key={a.clientId} app={a} n={i} remove={remove} />
              ))}
            </ul>
          </>
        ) : (
          <p class="muted">{A.empty}</p>
        )
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
      {failure && (
        <p role="alert" class="alert">
          {failure}
        </p>
      )}
      <p role="status" class="status">
        {status}
      </p>
    </section>
  );
}
