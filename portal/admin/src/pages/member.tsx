// One membership as staff see it: its status in plain words, period, renewal and terms; the customer's credits and
// their history (which booking used which credit); and the changes staff make (member-actions.tsx). Kept live by
// the `membership` and `credit` events.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { formatMoney } from '../../../shared/money.ts';
import { useLive, useLiveEvents } from '../../../shared/live.ts';
import type { PageProps } from '../app.tsx';
import { href } from '../router.ts';
import { ListFooter, pageAt, usePagedList, type Page, type PagedList } from '../paged-list.tsx';
import type { Credit, CreditEntry, MembershipEvent, StaffMembership } from '../types.ts';
import { ErrorBox, Heading, ListTable, LiveIndicator, Loading, Status, formatDateTime, useCan, useNotice, useTitle } from '../ui.tsx';
import { creditsText, formatDay, priceEvery } from './membership-parts.tsx';
import { StatusBadge, renewalText, who } from './members.tsx';
import { MemberActions, type OnChange } from './member-actions.tsx';
import { t } from '../strings/index.ts';
import { tms } from '../strings/memberships.ts';

const S = tms.member;
const enc = encodeURIComponent;

/** The membership's facts: plan and price, period, renewal, trial, minimum term, cancellation and freezes. */
function Overview({ m }: { m: StaffMembership }) {
  const rows: [string, string][] = [
    [S.plan, `${m.plan.name} · ${priceEvery(m.plan.price, m.plan.interval)}`],
    [S.period, S.periodText(m.period, formatDay(m.periodStart, m.timeZone), formatDay(m.periodEnd, m.timeZone))],
    [S.renewal, renewalText(m)],
    ...(m.trialEnd ? [[S.trialEnd, formatDay(m.trialEnd, m.timeZone)] as [string, string]] : []),
    [S.minimumTermEnd, formatDay(m.minimumTermEnd, m.timeZone)],
    [S.notice, S.noticeDays(m.plan.noticeDays)],
    ...(m.cancelAt ? [[S.cancelAt, formatDay(m.cancelAt, m.timeZone)] as [string, string]] : []),
    ...m.freezes.map((f, i): [string, string] => [
      S.freeze(i + 1),
      S.freezeText(
        formatDay(f.from, m.timeZone),
        formatDay(f.until, m.timeZone),
        f.fee ? formatMoney({ amount: f.fee, currency: m.plan.price.currency }) : '',
      ),
    ]),
    [S.joined, formatDateTime(m.createdAt)],
  ];
  return (
    <section class="card" aria-labelledby="overview-h">
      <h2 id="overview-h" tabIndex={-1}>
        {S.overview}
      </h2>
      <p class="member-status">
        <StatusBadge status={m.status} /> <span data-testid="status-text">{m.statusText}</span>
      </p>
      <dl class="facts">
        {rows.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </Fragment>
        ))}
      </dl>
      {m.plan.perks.length > 0 && (
        <>
          <h3>{S.perks}</h3>
          <ul>
            {m.plan.perks.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** A list of the member's (`path`), read again on events; "Load more" when the API says there is a next page. */
const useList = <T,>(path: string) => usePagedList((cursor) => api<Page<T>>(pageAt(path, cursor)), [path]);

function Credits({ list }: { list: PagedList<Credit> }) {
  const C = S.creditColumns;
  return (
    <section class="card" aria-labelledby="credits-h">
      <h2 id="credits-h">{S.credits}</h2>
      {list.error && <ErrorBox error={list.error} retry={list.reload} />}
      {!list.items ? (
        !list.error && <Loading />
      ) : list.items.length ? (
        <ListTable class="credits" labelledBy="credits-h" testId="credits" columns={[C.name, C.source, C.remaining, C.expires]}>
          {list.items.map((c) => (
            <tr key={c.id} id={`credit-${c.id}`}>
              <td class="wrap">{c.name}</td>
              <td class="wrap">
                {S.sources[c.source.kind]}: {c.source.name}
              </td>
              <td>{c.unlimited ? creditsText(true, 0) : S.remaining(c.remaining, c.granted)}</td>
              <td>{formatDay(c.expiresAt)}</td>
            </tr>
          ))}
        </ListTable>
      ) : (
        <p class="empty">{S.noCredits}</p>
      )}
    </section>
  );
}

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

function History({ list }: { list: PagedList<CreditEntry> }) {
  const C = S.historyColumns;
  return (
    <section class="card" aria-labelledby="history-h">
      <h2 id="history-h">{S.history}</h2>
      {list.items &&
        (list.items.length ? (
          <ListTable labelledBy="history-h" testId="history" columns={[C.at, C.what, C.credit, [C.change, 'num']]}>
            {list.items.map((e) => (
              <tr key={e.id} data-kind={e.kind}>
                <td>
                  <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                </td>
                <td class="wrap">
                  {S.kinds[e.kind] ?? e.kind}
                  {e.bookingId && (
                    <span class="muted">
                      {' '}
                      · {S.booking} <code>{e.bookingId}</code>
                    </span>
                  )}
                  {e.note && <span class="muted"> · {e.note}</span>}
                </td>
                <td class="wrap">{e.credit.name}</td>
                <td class="num">{signed(e.delta)}</td>
              </tr>
            ))}
          </ListTable>
        ) : (
          <p class="empty">{S.noHistory}</p>
        ))}
      <ListFooter list={list} more={S.loadMore} />
    </section>
  );
}

function Member({ m, onChange, bff }: { m: StaffMembership; onChange: OnChange; bff: string }) {
  const can = useCan('admin');
  const customer = enc(m.customer.id);
  const credits = useList<Credit>(`customers/${customer}/credits`);
  const history = useList<CreditEntry>(`customers/${customer}/credits/history?limit=20`);
  // A credit granted, used or forfeited, or the membership changing, moves the numbers: read them again.
  useLive(bff, ['credit', 'membership'], () => {
    credits.reload();
    history.reload();
  });
  return (
    <>
      <Overview m={m} />
      {can && m.status !== 'ended' && <MemberActions m={m} onChange={onChange} />}
      <Credits list={credits} />
      <History list={history} />
    </>
  );
}

export function MemberPage({ boot, param }: PageProps) {
  const notice = useNotice();
  const [said, setSaid] = useState(notice);
  const [m, setM] = useState<StaffMembership | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useTitle(m ? S.title(who(m), m.plan.name) : t.nav.members);
  const load = () =>
    api<StaffMembership>(`memberships/${enc(param ?? '')}`).then(
      (x) => {
        setM(x);
        setError(null);
      },
      (err: unknown) => setError(asApiError(err)),
    );
  useEffect(() => void load(), [param]);
  const changed: OnChange = (next, text) => {
    setM(next);
    setSaid(text);
    requestAnimationFrame(() => document.getElementById('overview-h')?.focus());
  };
  useLiveEvents(boot.bff, ['membership'], (_, data) => {
    const next = (data as MembershipEvent | undefined)?.membership;
    if (!next) void load();
    else if (next.id === param) setM(next);
  });
  return (
    <>
      <p class="back">
        <a href={href('members')}>{S.back}</a>
      </p>
      <div class="page-head">
        <Heading>{m ? S.title(who(m), m.plan.name) : t.nav.members}</Heading>
        <LiveIndicator />
      </div>
      <Status text={said} />
      {error ? <ErrorBox error={error} retry={load} /> : m ? <Member m={m} onChange={changed} bff={boot.bff} /> : <Loading />}
    </>
  );
}
