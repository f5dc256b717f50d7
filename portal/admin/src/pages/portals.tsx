import type { PageProps } from '../app.tsx';
import { api } from '../../../shared/api.ts';
import { invalidate, setResource, useResource } from '../../../shared/store.ts';
import { CreateBySlug } from '../create-by-slug.tsx';
import { go, href } from '../router.ts';
import type { List, PortalView } from '../types.ts';
import { Alert, ErrorBox, Heading, Loading, ReadOnlyNote, Status, setNotice, useAction, useCan, useNotice, useTitle } from '../ui.tsx';
import { t } from '../strings/index.ts';

const P = t.portals;

/** Where customers open a portal: the primary one at the portal address, others under it by slug. */
export const portalAddress = (boot: PageProps['boot'], p: PortalView): string => (p.primary ? boot.portalUrl : `${boot.portalUrl}/${p.slug}`);

export function PortalsPage({ boot }: PageProps) {
  useTitle(t.nav.portals);
  const can = useCan('admin');
  const notice = useNotice();
  const { data, error, loading, reload } = useResource<List<PortalView>>('portals');
  const act = useAction();
  const makePrimary = (p: PortalView) =>
    act.run(async () => {
      const updated = await api<PortalView>(`portals/${encodeURIComponent(p.slug)}/primary`, 'PUT');
      setResource(`portals/${p.slug}`, updated);
      invalidate('portals');
      return P.madePrimary(p.name);
    });
  return (
    <>
      <Heading>{t.nav.portals}</Heading>
      <p class="muted">{P.intro}</p>
      <ReadOnlyNote />
      <Status text={act.status || notice} />
      <Alert text={act.error} />
      {data ? (
        data.items.length ? (
          <div class="table-wrap">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{P.name}</th>
                  <th scope="col">{P.address}</th>
                  <td />
                </tr>
              </thead>
              <tbody>
                {data.items.map((p) => (
                  <tr key={p.slug}>
                    <td>
                      <a href={href('portals', p.slug)}>{p.name}</a> {p.primary && <span class="badge primary">{P.primaryBadge}</span>}
                    </td>
                    <td>
                      <a class="break" href={portalAddress(boot, p)} target="_blank" rel="noopener">
                        {portalAddress(boot, p)}
                      </a>
                    </td>
                    <td class="row-actions">
                      {can && !p.primary && (
                        <button type="button" class="btn small" disabled={act.busy} onClick={() => makePrimary(p)}>
                          {P.makePrimary}
                          <span class="sr-only"> ({p.name})</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="empty">{P.empty}</p>
        )
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
      {can && <CreateBySlug collection="portals" name={{ key: 'name', label: P.name }} texts={P} prefix="np" />}
    </>
  );
}

/** Deletes a non-primary portal (confirming first) and returns to the list. */
export function useDeletePortal(p: PortalView | undefined) {
  const act = useAction();
  const remove = () => {
    if (!p || !confirm(P.deleteConfirm(p.name))) return;
    void act.run(async () => {
      await api(`portals/${encodeURIComponent(p.slug)}`, 'DELETE');
      invalidate('portals');
      setNotice(P.deleted(p.name));
      go('portals');
    });
  };
  return { ...act, remove };
}
