import { useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { setResource, useResource } from '../../../shared/store.ts';
import { ROLES, type List, type Role, type StaffMember } from '../types.ts';
import {
  Alert,
  ErrorBox,
  FormError,
  Heading,
  Loading,
  ReadOnlyNote,
  SelectField,
  Status,
  TextField,
  fieldErrors,
  formatDate,
  useAction,
  useCan,
  useTitle,
} from '../ui.tsx';
import { t } from '../strings/index.ts';

const S = t.staff;
const memberPath = (email: string) => `staff/${encodeURIComponent(email)}`;
const keyOf = (path: string[]) => (path[0] === 'email' || path[0] === 'role' ? path[0] : undefined);

function Invite({ onInvited }: { onInvited: (m: StaffMember) => void }) {
  const owner = useCan('owner');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('staff');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState('');
  const errors = fieldErrors(error, keyOf);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const m = await api<StaffMember>('staff', 'POST', { email: email.trim(), role });
      onInvited(m ?? { email: email.trim(), role });
      setStatus(S.invitedOk(m?.email ?? email.trim()));
      setEmail('');
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="invite-h">
      <h2 id="invite-h">{S.inviteTitle}</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={error} keyOf={keyOf} labels={{ email: S.email, role: S.role }} prefix="inv" />
        <div class="inline-form">
          <TextField id="inv-email" label={S.email} type="email" autoComplete="off" value={email} onInput={setEmail} error={errors.email} required />
          <SelectField
            id="inv-role"
            label={S.role}
            value={role}
            onChange={(v) => setRole(v as Role)}
            options={ROLES.filter((r) => owner || r !== 'owner').map((r) => [r, t.roles[r]!])}
            error={errors.role}
          />
          <button type="submit" class="btn primary" disabled={busy || !email.trim()}>
            {S.invite}
          </button>
        </div>
        <Status text={status} />
      </form>
    </section>
  );
}

export function StaffPage({ me }: PageProps) {
  useTitle(t.nav.staff);
  const can = useCan('admin');
  const owner = useCan('owner');
  const { data, error, loading, reload } = useResource<List<StaffMember>>('staff');
  const act = useAction();
  const items = data?.items ?? [];
  const replace = (list: StaffMember[]) => setResource<List<StaffMember>>('staff', { items: list });

  const changeRole = (m: StaffMember, role: Role, select: HTMLSelectElement) =>
    act.run(async () => {
      try {
        const updated = await api<StaffMember>(memberPath(m.email), 'PATCH', { role });
        replace(items.map((x) => (x.email === m.email ? { ...x, ...(updated ?? { role }) } : x)));
        return S.roleChanged(m.email, t.roles[role] ?? role);
      } catch (err) {
        select.value = m.role; // revert the control; the list did not change
        throw err;
      }
    });
  const remove = (m: StaffMember) => {
    if (!confirm(S.removeConfirm(m.email))) return;
    void act.run(async () => {
      await api(memberPath(m.email), 'DELETE');
      replace(items.filter((x) => x.email !== m.email));
      return S.removed(m.email);
    });
  };
  const onInvited = (m: StaffMember) => replace([...items.filter((x) => x.email !== m.email), m]);

  return (
    <>
      <Heading>{t.nav.staff}</Heading>
      <p class="muted">{S.intro}</p>
      <ReadOnlyNote />
      <Alert text={act.error} />
      <Status text={act.status} />
      {data ? (
        items.length ? (
          <div class="table-wrap">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{S.email}</th>
                  <th scope="col">{S.role}</th>
                  <th scope="col">{S.invited}</th>
                  {can && <td />}
                </tr>
              </thead>
              <tbody>
                {items.map((m) => {
                  // Only owners may touch an owner or make one.
                  const locked = !can || (m.role === 'owner' && !owner);
                  const self = m.email.toLowerCase() === me.email.toLowerCase();
                  return (
                    <tr key={m.email}>
                      <td class="break">
                        {m.email} {self && <span class="muted">{S.you}</span>}
                      </td>
                      <td>
                        <select
                          aria-label={S.roleOf(m.email)}
                          value={m.role}
                          disabled={locked || act.busy}
                          onChange={(e) => changeRole(m, e.currentTarget.value as Role, e.currentTarget)}
                        >
                          {ROLES.filter((r) => owner || r !== 'owner' || m.role === 'owner').map((r) => (
                            <option key={r} value={r} disabled={r === 'owner' && !owner}>
                              {t.roles[r]}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        {m.invitedAt ? formatDate(m.invitedAt) : ''}
                        {m.invitedBy && <span class="muted break"> · {m.invitedBy}</span>}
                      </td>
                      {can && (
                        <td class="row-actions">
                          <button
                            type="button"
                            class="btn small"
                            aria-label={S.removeLabel(m.email)}
                            disabled={locked || act.busy}
                            onClick={() => remove(m)}
                          >
                            {S.remove}
                          </button>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="empty">{S.empty}</p>
        )
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
      {can && <Invite onInvited={onInvited} />}
    </>
  );
}
