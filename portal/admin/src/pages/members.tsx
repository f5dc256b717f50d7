// Members: enrol a customer in a plan (on their default card), and the organisation's memberships by status, kept
// live by the `membership` events (a customer joining in the portal, a renewal, a freeze, appear or move at once).
import { useState } from 'preact/hooks';
import { api, asApiError } from '../../../shared/api.ts';
import { formatMoney } from '../../../shared/money.ts';
import { useLiveEvents } from '../../../shared/live.ts';
import type { PageProps } from '../app.tsx';
import { CustomerField, findCustomer } from '../customer-picker.tsx';
import { go, href } from '../router.ts';
import { ListFooter, pageAt, placed, usePagedList } from '../paged-list.tsx';
import type { EnrolAnswer, MembershipEvent, MembershipStatus, MembershipsPage, StaffMembership } from '../types.ts';
import {
  FormError,
  Heading,
  ListTable,
  LiveIndicator,
  RowLink,
  SelectField,
  Status,
  fieldErrors,
  localError,
  setNotice,
  useCan,
  useNotice,
  useSubmit,
  useTitle,
} from '../ui.tsx';
import { formatDay, priceEvery, useFreshPlans } from './membership-parts.tsx';
import { t } from '../strings/index.ts';
import { tms } from '../strings/memberships.ts';

const S = tms.members;
const FILTERS: ('' | MembershipStatus)[] = ['', 'trialing', 'active', 'past_due', 'frozen', 'cancelling', 'pending', 'ended'];
export const who = (m: StaffMembership): string => m.customer.email ?? m.customer.id;

export function StatusBadge({ status }: { status: MembershipStatus }) {
  return (
    <span class={`badge ms-${status}`} data-status={status}>
      {S.statuses[status] ?? status}
    </span>
  );
}

/** "12 Dec 2026: £49.00", or what stands instead of a renewal (cancelling, ended). */
export const renewalText = (m: StaffMembership): string =>
  m.renewal
    ? S.renewal(formatDay(m.renewal.date, m.timeZone), formatMoney({ amount: m.renewal.amount, currency: m.renewal.currency }))
    : m.cancelAt
      ? S.ends(formatDay(m.cancelAt, m.timeZone))
      : S.noRenewal;

const enrolKeyOf = (p: string[]) => (p[0] === 'customerId' ? 'customer' : p[0] === 'planId' ? 'plan' : undefined);

/** What an enrolment's payment came to, in words for the page that shows the membership next. */
function enrolled(a: EnrolAnswer): string {
  const name = `${who(a.membership)}, ${a.membership.plan.name}`;
  if (a.payment.state === 'requires_action') return S.enrolledAction(name);
  if (a.payment.state === 'failed') return S.enrolledFailed(name, a.payment.failure ?? '');
  return S.enrolled(name);
}

function Enrol() {
  const plans = useFreshPlans();
  const active = (plans.data?.items ?? []).filter((p) => p.active);
  const [email, setEmail] = useState('');
  const [planId, setPlanId] = useState('');
  const f = useSubmit();
  const errors = fieldErrors(f.error, enrolKeyOf);
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      if (!planId) throw localError([{ field: 'planId', message: S.choosePlan }]);
      const customer = await findCustomer(email, 'customerId');
      const answer = await api<EnrolAnswer>('memberships', 'POST', { customerId: customer.id, planId }).catch((err: unknown) => {
        const e = asApiError(err);
        throw e.code === 'payment_required' ? localError([{ field: 'customerId', message: S.noCard }]) : e;
      });
      setNotice(enrolled(answer));
      go('members', answer.membership.id);
    });
  };
  return (
    <section class="card" aria-labelledby="enrol-h">
      <h2 id="enrol-h">{S.enrolTitle}</h2>
      <p class="hint">{S.enrolIntro}</p>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={f.error} keyOf={enrolKeyOf} labels={{ customer: S.customer, plan: S.plan }} prefix="en" />
        <div class="grid2">
          <CustomerField id="en-customer" label={S.customer} value={email} onInput={setEmail} error={errors.customer} />
          <SelectField
            id="en-plan"
            label={S.plan}
            hint={plans.data && !active.length ? S.noPlans : undefined}
            value={planId}
            onChange={setPlanId}
            options={[['', S.choose], ...active.map((p): [string, string] => [p.id, `${p.name} · ${priceEvery(p.price, p.interval)}`])]}
            error={errors.plan}
          />
        </div>
        <div class="actions">
          <button type="submit" class="btn primary" disabled={f.busy}>
            {S.enrol}
          </button>
          <Status text={f.status} />
        </div>
      </form>
    </section>
  );
}

function MembersTable({ items }: { items: StaffMembership[] }) {
  const C = S.columns;
  return (
    <ListTable class="members" labelledBy="members-h" columns={[C.customer, C.plan, C.status, C.renewal]} actions>
      {items.map((m) => (
        <tr key={m.id} id={`member-${m.id}`} data-status={m.status}>
          <td class="wrap">{who(m)}</td>
          <td class="wrap">{m.plan.name}</td>
          <td>
            <StatusBadge status={m.status} />
          </td>
          <td>{renewalText(m)}</td>
          <RowLink href={href('members', m.id)} label={S.viewLabel(who(m), m.plan.name)}>
            {S.view}
          </RowLink>
        </tr>
      ))}
    </ListTable>
  );
}

export function MembersPage({ boot }: PageProps) {
  useTitle(t.nav.members);
  const can = useCan('admin');
  const notice = useNotice();
  const [status, setStatus] = useState<'' | MembershipStatus>('');
  const list = usePagedList(
    (cursor) => api<MembershipsPage>(pageAt(`memberships?${new URLSearchParams({ limit: '50', ...(status ? { status } : {}) })}`, cursor)),
    [status],
  );
  useLiveEvents(boot.bff, ['membership'], (_, data) => {
    const m = (data as MembershipEvent | undefined)?.membership;
    if (!m?.id) return list.reload();
    list.setItems((items) => placed(items, m, !status || m.status === status, (x) => x.createdAt));
  });

  return (
    <>
      <div class="page-head">
        <Heading>{t.nav.members}</Heading>
        <LiveIndicator />
      </div>
      <p class="muted">{S.intro}</p>
      <Status text={notice} />
      {can && <Enrol />}
      <section aria-labelledby="members-h">
        <div class="card-head">
          <h2 id="members-h">{S.listTitle}</h2>
          <SelectField
            id="members-status"
            label={S.show}
            value={status}
            onChange={(v) => setStatus(v as typeof status)}
            options={FILTERS.map((s) => [s, s ? S.statuses[s]! : S.all])}
            class="inline"
          />
        </div>
        {list.items &&
          (list.items.length ? <MembersTable items={list.items} /> : <p class="empty">{status ? S.emptyStatus(S.statuses[status]!) : S.empty}</p>)}
        <ListFooter list={list} more={S.loadMore} />
      </section>
    </>
  );
}
