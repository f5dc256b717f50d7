// Credits: what is left of each (per entitlement and per class pack) and until when; the ledger's history, newest
// first, each use naming the booking it paid for; and class packs for sale, paid with the Open tabs settle form.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Credit, CreditEntry, Pack, PackPurchase } from '../../../shared/memberships.ts';
import type { Booking, Tab } from '../../../shared/types.ts';
import { api, asApiError } from '../../../shared/api.ts';
import { useResource } from '../../../shared/store.ts';
import { formatDateIn, money } from '../format.ts';
import { Loaded, SrOnly } from '../ui.tsx';
import { MoreButton, useMorePages } from '../more-pages.tsx';
import { HISTORY, type Items } from '../sections/membership.tsx';
import { bookingName } from '../sections/bookings.tsx';
import { Settle, refreshTabs, type Handlers } from '../sections/tabs.tsx';
import { day, useServiceNames } from './plan.tsx';
import { tm } from '../strings/membership.ts';

export function Credits({ items, zone }: { items: Credit[]; zone?: string }) {
  if (!items.length) return <p>{tm.noCredits}</p>;
  return (
    <ul class="plain credits">
      {items.map((c) => (
        <li key={c.id} class="credit">
          <strong>{c.name}</strong>
          <span class="credit-left">{c.unlimited ? tm.unlimitedLeft : tm.left(c.remaining, c.granted)}</span>
          <span class="muted">
            {tm.fromSource(c.source.kind, c.source.name)} · {tm.expires(day(c.expiresAt, zone))}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** "Booking: Sunrise yoga, Tuesday 3 December 2026, 07:00", once the booking is fetched (the store shares it). */
function BookingRef({ id }: { id: string }) {
  const b = useResource<Booking>(`bookings/${encodeURIComponent(id)}`).data;
  return b ? <span>{tm.booking(bookingName(b))}</span> : null;
}

type Page = Items<CreditEntry> & { next?: string };
const FIRST = `${HISTORY}?limit=10`;

export function History() {
  const first = useResource<Page>(FIRST);
  const pages = useMorePages(first, (next) => `${FIRST}&cursor=${encodeURIComponent(next)}`);
  useEffect(() => pages.reset(), [first.data]); // a live change refetched the newest: start again from there
  return (
    <Loaded r={first}>
      {(d) =>
        d.items.length ? (
          <>
            <ul class="plain history">
              {pages.items.map((e) => (
                <li key={e.id}>
                  <span class="muted">{formatDateIn(e.at)}</span>
                  <span>
                    {tm.kinds[e.kind]}: {e.credit.name} <strong>{e.delta > 0 ? `+${e.delta}` : e.delta}</strong>
                  </span>
                  {e.bookingId && <BookingRef id={e.bookingId} />}
                  {e.note && <span class="muted">{e.note}</span>}
                </li>
              ))}
            </ul>
            <MoreButton pages={pages} label={tm.loadMore} />
          </>
        ) : (
          <p>{tm.noHistory}</p>
        )
      }
    </Loaded>
  );
}

/** `bought`: the tab is paid (`paid`), or its payment is processing (the credits come when Stripe says so). */
type Bought = (pack: Pack, paid: boolean) => void;

function PackCard({ pack, bought }: { pack: Pack; bought: Bought }) {
  const [tab, setTab] = useState<Tab | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const buyBtn = useRef<HTMLButtonElement>(null);
  const price = money(pack.price.amount, pack.price.currency);
  const names = useServiceNames();

  const buy = async () => {
    setBusy(true);
    setError('');
    try {
      setTab((await api<PackPurchase>(`packs/${encodeURIComponent(pack.id)}/buy`, 'POST')).tab);
    } catch (err) {
      setError(asApiError(err).description);
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    setTab(null);
    setTimeout(() => buyBtn.current?.focus());
  };
  const handlers: Handlers = {
    done: (_tab, state) => {
      refreshTabs();
      setTab(null);
      bought(pack, state === 'paid');
    },
    update: setTab,
  };

  return (
    <li class="card">
      <h3>{pack.name}</h3>
      {pack.description && <p>{pack.description}</p>}
      <p>
        {tm.packCredits(pack.credits, names(pack.serviceIds))}
        <br />
        <span class="muted">{tm.packExpiry(pack.expiresInDays)}</span>
      </p>
      {error && (
        <p role="alert" class="alert">
          {error}
        </p>
      )}
      {tab ? (
        <Settle tab={tab} {...handlers} close={close} />
      ) : (
        <p class="card-link">
          <button type="button" class="btn primary" ref={buyBtn} disabled={busy} aria-busy={busy ? 'true' : undefined} onClick={buy}>
            {tm.buy(price)}
            <SrOnly> {pack.name}</SrOnly>
          </button>
        </p>
      )}
    </li>
  );
}

export function Packs({ packs, bought }: { packs: Pack[]; bought: Bought }) {
  return (
    <ul class="cards plain">
      {packs.map((p) => (
        <PackCard key={p.id} pack={p} bought={bought} />
      ))}
    </ul>
  );
}
