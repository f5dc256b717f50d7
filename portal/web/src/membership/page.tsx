// The Membership page (its own chunk): the customer's membership (status in plain words, next payment, what is
// included, freeze / cancel / change plan with a preview) or the plans to join; credits left and their history;
// class packs for sale. Live: membership and credit events refetch it all (sections/membership.tsx), so a class
// booked elsewhere on a credit shows here at once.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../sections/types.ts';
import type { Credit, Membership, Pack, Plan } from '../../../shared/memberships.ts';
import { setResource, useResource } from '../../../shared/store.ts';
import { money } from '../format.ts';
import { Heading, Loaded, Outcome, useTitle } from '../ui.tsx';
import { CREDITS, MEMBERSHIPS, PACKS, PLANS, current, refreshMembership, type Items } from '../sections/membership.tsx';
import { Included, PlanTerms, day, planPrice } from './plan.tsx';
import { Join, PlanCards } from './join.tsx';
import { Cancel, ChangePlan, Freeze, type ChangeKind } from './changes.tsx';
import { Credits, History, Packs } from './credits.tsx';
import { tm } from '../strings/membership.ts';

const focusTitle = () => document.getElementById('page-title')?.focus();

type YoursProps = { m: Membership; plans: Plan[]; done: (m: Membership, said: string) => void; opened: () => void };

function Yours({ m, plans, done, opened }: YoursProps) {
  const [changing, setChanging] = useState<ChangeKind | null>(null);
  const close = () => {
    const was = changing;
    setChanging(null);
    setTimeout(() => document.getElementById(`open-${was}`)?.focus());
  };
  const finished = (updated: Membership, said: string) => {
    setChanging(null);
    done(updated, said);
  };
  const props = { membership: m, done: finished, close };
  const zone = m.timeZone;
  const now = new Date().toISOString();
  const freezes = m.freezes.filter((f) => f.until > now);
  const action = (kind: ChangeKind, label: string, allowed: boolean) =>
    allowed && (
      <button
        type="button"
        class="btn"
        id={`open-${kind}`}
        aria-expanded={changing === kind ? 'true' : 'false'}
        onClick={() => {
          opened(); // what the page said is about an earlier change
          setChanging(kind);
        }}
      >
        {label}
      </button>
    );
  return (
    <section class="block" aria-labelledby="yours">
      <h2 id="yours">{tm.yours}</h2>
      <div class="card membership">
        <div class="booking-head">
          <h3>{m.plan.name}</h3>
          <span class={`badge${m.status === 'active' || m.status === 'trialing' ? ' ok' : m.status === 'past_due' ? ' warn' : ''}`}>
            {tm.statuses[m.status]}
          </span>
        </div>
        <p class="lead">{m.statusText}</p>
        <dl class="facts">
          <dt>{tm.priceLabel}</dt>
          <dd>{planPrice(m.plan)}</dd>
          {m.renewal && (
            <>
              <dt>{tm.renews}</dt>
              <dd>{tm.renewal(money(m.renewal.amount, m.renewal.currency), day(m.renewal.date, zone))}</dd>
            </>
          )}
          {m.trialEnd && (
            <>
              <dt>{tm.trialEnds}</dt>
              <dd>{day(m.trialEnd, zone)}</dd>
            </>
          )}
          {m.minimumTermEnd && m.minimumTermEnd > now && (
            <>
              <dt>{tm.minimumTermEnds}</dt>
              <dd>{day(m.minimumTermEnd, zone)}</dd>
            </>
          )}
          {m.cancelAt && (
            <>
              <dt>{tm.endsOn}</dt>
              <dd>{day(m.cancelAt, zone)}</dd>
            </>
          )}
          {freezes.map((f) => (
            <Fragment key={f.from}>
              <dt>{tm.frozen}</dt>
              <dd>{tm.frozenRange(day(f.from, zone), day(f.until, zone))}</dd>
            </Fragment>
          ))}
          <dt>{tm.memberSince}</dt>
          <dd>{day(m.createdAt, zone)}</dd>
        </dl>
        <Included plan={m.plan} />
        <PlanTerms plan={m.plan} />
        {!changing && (m.can.freeze || m.can.change || m.can.cancel) && (
          <div class="actions">
            {action('freeze', tm.freeze, m.can.freeze)}
            {action('change', tm.changePlan, m.can.change)}
            {action('cancel', tm.cancelMembership, m.can.cancel)}
          </div>
        )}
      </div>
      {changing === 'freeze' && <Freeze {...props} />}
      {changing === 'cancel' && <Cancel {...props} />}
      {changing === 'change' && <ChangePlan {...props} plans={plans} />}
    </section>
  );
}

export function MembershipPage({ section, boot }: PageProps) {
  useTitle(section.label);
  const memberships = useResource<Items<Membership>>(MEMBERSHIPS);
  const plans = useResource<Items<Plan>>(PLANS);
  const packs = useResource<Items<Pack>>(PACKS);
  const credits = useResource<Items<Credit>>(CREDITS);
  const [joining, setJoining] = useState<Plan | null>(null);
  const [status, setStatus] = useState('');
  const m = current(memberships.data);
  const plansOn = plans.data?.items.filter((p) => p.active) ?? [];
  const packsOn = packs.data?.items.filter((p) => p.active) ?? [];
  const last = memberships.data?.items[0];

  /** A change or a join went through: shown at once as the API answered, then everything is fetched again. */
  const done = (updated: Membership, said: string) => {
    const others = memberships.data?.items.filter((x) => x.id !== updated.id) ?? [];
    setResource<Items<Membership>>(MEMBERSHIPS, { items: [updated, ...others] });
    refreshMembership();
    setJoining(null);
    setStatus(said);
    focusTitle();
  };
  const packCredits = (name: string) => credits.data?.items.filter((c) => c.source.kind === 'pack' && c.source.name === name).length ?? 0;
  // A pack whose payment is processing: when its credits arrive (live), the page says so.
  const [waiting, setWaiting] = useState<{ name: string; had: number } | null>(null);
  useEffect(() => {
    if (waiting && packCredits(waiting.name) > waiting.had) {
      setWaiting(null);
      setStatus(tm.credited(waiting.name));
    }
  }, [credits.data]);
  const bought = (pack: Pack, paid: boolean) => {
    setStatus(paid ? tm.bought(pack.name) : tm.buyPending);
    if (!paid) setWaiting({ name: pack.name, had: packCredits(pack.name) });
    focusTitle();
  };

  return (
    <>
      <Heading>{section.label}</Heading>
      <Outcome status={status} />
      <Loaded r={memberships}>
        {() =>
          m ? (
            <Yours m={m} plans={plansOn} done={done} opened={() => setStatus('')} />
          ) : (
            <section class="block" aria-labelledby="plans">
              <h2 id="plans">{tm.plansHeading}</h2>
              {last?.status === 'ended' && <p>{last.statusText}</p>}
              {joining ? (
                <div class="card">
                  <Join plan={joining} bff={boot.bff} joined={done} close={() => setJoining(null)} />
                </div>
              ) : (
                <Loaded r={plans}>{() => <PlanCards plans={plansOn} join={setJoining} />}</Loaded>
              )}
            </section>
          )
        }
      </Loaded>
      {(!!m || !!credits.data?.items.length) && (
        <section class="block" aria-labelledby="credits">
          <h2 id="credits">{tm.creditsHeading}</h2>
          <Loaded r={credits}>{(d) => <Credits items={d.items} zone={(m ?? last)?.timeZone} />}</Loaded>
        </section>
      )}
      {packsOn.length > 0 && (
        <section class="block" aria-labelledby="packs">
          <h2 id="packs">{tm.packsHeading}</h2>
          <Packs packs={packsOn} bought={bought} />
        </section>
      )}
      {(!!m || !!credits.data?.items.length || !!last) && (
        <section class="block" aria-labelledby="history">
          <h2 id="history">{tm.historyHeading}</h2>
          <History />
        </section>
      )}
    </>
  );
}
