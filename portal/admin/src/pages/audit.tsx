import { useEffect, useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import type { AuditEntry, AuditPage as Page } from '../types.ts';
import { ErrorBox, Heading, Loading, RoleBadge, formatDateTime, useTitle } from '../ui.tsx';
import { t } from '../strings/index.ts';

const A = t.audit;
const pretty = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v, null, 2));

function Entry({ e }: { e: AuditEntry }) {
  const hasChanges = e.before !== undefined || e.after !== undefined;
  return (
    <li class="audit-entry">
      <div class="audit-line">
        <time dateTime={e.at}>{formatDateTime(e.at)}</time>
        <span class="audit-who">
          {e.actor.email ? <span class="break">{e.actor.email}</span> : <span class="break">{A.app(e.actor.clientId)}</span>}{' '}
          {e.actor.role && <RoleBadge role={e.actor.role} />}
        </span>
        <span class="audit-what">
          <code>{e.action}</code> <span class="break">{e.subject}</span>
        </span>
      </div>
      {hasChanges && (
        <details>
          <summary>{A.showChanges}</summary>
          <div class="diff">
            {e.before !== undefined && (
              <div>
                <h3>{A.before}</h3>
                <pre>{pretty(e.before)}</pre>
              </div>
            )}
            {e.after !== undefined && (
              <div>
                <h3>{A.after}</h3>
                <pre>{pretty(e.after)}</pre>
              </div>
            )}
          </div>
        </details>
      )}
    </li>
  );
}

export function AuditPage() {
  useTitle(t.nav.audit);
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const load = async (before?: string) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api<Page>(`audit?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      setItems((old) => (before ? [...old, ...page.items] : page.items));
      setNext(page.next || undefined);
      setLoaded(true);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  return (
    <>
      <Heading>{t.nav.audit}</Heading>
      <p class="muted">{A.intro}</p>
      {loaded && !items.length && <p class="empty">{A.empty}</p>}
      {items.length > 0 && (
        <ol class="audit" aria-label={t.nav.audit}>
          {items.map((e) => (
            <Entry key={e.id} e={e} />
          ))}
        </ol>
      )}
      {loading && <Loading />}
      {error && <ErrorBox error={error} retry={() => load(loaded ? next : undefined)} />}
      {loaded && !loading && next && (
        <button type="button" class="btn" onClick={() => load(next)}>
          {A.loadMore}
        </button>
      )}
      {loaded && !loading && !next && items.length > 0 && <p class="muted">{A.end}</p>}
    </>
  );
}
