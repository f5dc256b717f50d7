// Point of sale: open a tab for a customer, and the organisation's tabs by status, kept live by the `tab` events
// (a tab opened at the bar, or paid by the customer in the portal, appears or moves without a reload).
import { useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api } from '../../../shared/api.ts';
import { moneyIn } from '../../../shared/money.ts';
import { useLiveEvents } from '../../../shared/live.ts';
import { go, href } from '../router.ts';
import { placed, usePagedList } from '../paged-list.tsx';
import { FormsLink } from '../customer-forms.tsx';
import type { List, Tab, TabEvent, TabStatus } from '../types.ts';
import { CustomerField, findCustomer } from '../customer-picker.tsx';
import {
  ErrorBox,
  FormError,
  Heading,
  ListTable,
  LiveIndicator,
  Loading,
  RowLink,
  SelectField,
  Status,
  TextField,
  fieldErrors,
  formatDateTime,
  setNotice,
  useNotice,
  useSubmit,
  useTitle,
} from '../ui.tsx';
import { t } from '../strings/index.ts';
import { tm } from '../strings/money.ts';

const T = tm.tabs;
const STATUSES: TabStatus[] = ['open', 'paid', 'void'];
export type TabProps = { tab: Tab; onChange: (tab: Tab) => void };
export const customerName = (tab: Tab): string => tab.customer?.email ?? T.unknownCustomer;

/** A tab from an event keeps the customer we had when the event's view has none. */
export const withCustomer = (next: Tab, old?: Tab): Tab => (next.customer || !old?.customer ? next : { ...next, customer: old.customer });

export function PaymentBadge({ tab }: { tab: Tab }) {
  const p = tab.payment;
  if (!p) return <span class="muted">–</span>;
  return <span class={`badge pay-${p.state}`}>{T.states[p.state] ?? p.state}</span>;
}

const keyOf = (path: string[]) => (path[0] === 'customerId' ? 'customer' : path[0] === 'note' ? 'note' : undefined);

function OpenTab() {
  const [email, setEmail] = useState('');
  const [note, setNote] = useState('');
  const f = useSubmit();
  const errors = fieldErrors(f.error, keyOf);
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const customer = await findCustomer(email, 'customerId');
      const tab = await api<Tab>('tabs', 'POST', { customerId: customer.id, ...(note.trim() ? { note: note.trim() } : {}) });
      setNotice(T.opened(customer.email ?? customer.id));
      go('tabs', tab.id);
    });
  };
  return (
    <section class="card" aria-labelledby="open-tab-h">
      <h2 id="open-tab-h">{T.openTitle}</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={f.error} keyOf={keyOf} labels={{ customer: T.customer, note: T.note }} prefix="ot" />
        <div class="grid2">
          <CustomerField id="ot-customer" label={T.customer} value={email} onInput={setEmail} error={errors.customer} />
          <TextField id="ot-note" label={T.note} hint={T.noteHint} value={note} onInput={setNote} error={errors.note} />
        </div>
        <div class="actions">
          <button type="submit" class="btn primary" disabled={f.busy}>
            {T.open}
          </button>
          <Status text={f.status} />
        </div>
      </form>
    </section>
  );
}

function TabsTable({ tabs }: { tabs: Tab[] }) {
  return (
    <ListTable
      class="tabs-list"
      labelledBy="tabs-h"
      columns={[T.columns.customer, T.columns.opened, T.columns.lines, [T.columns.total, 'num'], T.columns.payment]}
      actions
    >
      {tabs.map((tab) => (
        <tr key={tab.id} id={`tab-${tab.id}`} data-status={tab.status}>
          <td class="wrap">
            {customerName(tab)}
            {tab.customer && (
              <>
                {' '}
                <FormsLink customer={tab.customer} />
              </>
            )}
            {tab.note && <span class="muted"> · {tab.note}</span>}
          </td>
          <td>
            <time dateTime={tab.openedAt}>{formatDateTime(tab.openedAt)}</time>
          </td>
          <td>{T.lineCount(tab.lines.length)}</td>
          <td class="num">{moneyIn(tab.currency)(tab.totals.total)}</td>
          <td>
            <PaymentBadge tab={tab} />
          </td>
          <RowLink href={href('tabs', tab.id)} label={T.viewLabel(customerName(tab), formatDateTime(tab.openedAt))}>
            {T.view}
          </RowLink>
        </tr>
      ))}
    </ListTable>
  );
}

export function TabsPage({ boot }: PageProps) {
  useTitle(t.nav.tabs);
  const notice = useNotice();
  const [status, setStatus] = useState<TabStatus>('open');
  const list = usePagedList(() => api<List<Tab>>(`tabs?status=${status}`), [status]);
  useLiveEvents(boot.bff, ['tab'], (_, data) => {
    const tab = (data as TabEvent | undefined)?.tab;
    if (!tab?.id) return list.reload();
    list.setItems((tabs) =>
      placed(
        tabs,
        withCustomer(
          tab,
          tabs?.find((x) => x.id === tab.id),
        ),
        tab.status === status,
        (x) => x.openedAt,
      ),
    );
  });

  return (
    <>
      <div class="page-head">
        <Heading>{t.nav.tabs}</Heading>
        <LiveIndicator />
      </div>
      <p class="muted">{T.intro}</p>
      <Status text={notice} />
      <OpenTab />
      <section aria-labelledby="tabs-h">
        <div class="card-head">
          <h2 id="tabs-h">{T.listTitle}</h2>
          <SelectField
            id="tabs-status"
            label={T.show}
            value={status}
            onChange={(v) => setStatus(v as TabStatus)}
            options={STATUSES.map((s) => [s, T.statuses[s]!])}
            class="inline"
          />
        </div>
        {list.error ? (
          <ErrorBox error={list.error} retry={list.reload} />
        ) : !list.items ? (
          <Loading />
        ) : list.items.length ? (
          <TabsTable tabs={list.items} />
        ) : (
          <p class="empty">{T.empty[status]}</p>
        )}
      </section>
    </>
  );
}
