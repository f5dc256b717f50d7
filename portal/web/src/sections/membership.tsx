// Membership (`#/membership`): what is in the first download is only what the nav and the home page need (is there
// anything to show, the summary card, the live events that change it); the page itself, with joining, credits and
// the self-service changes, is a chunk of its own (../membership/), fetched when the section is first opened.
import type { SectionDef } from './types.ts';
import type { Credit, Membership, Pack, Plan } from '../../../shared/memberships.ts';
import { invalidate, invalidateMatching, useResource } from '../../../shared/store.ts';
import { lazy } from '../../../shared/lazy.tsx';
import { Loaded, lazyUi } from '../ui.tsx';
import { t } from '../strings/index.ts';

const T = t.membership;

export const MEMBERSHIPS = 'memberships';
export const CREDITS = 'credits';
export const PLANS = 'membership-plans';
export const PACKS = 'packs';
export const HISTORY = 'credits/history';

export type Items<T> = { items: T[] };

/** The membership that is the customer's now: the newest one not ended (the list is newest first). */
export const current = (d: Items<Membership> | undefined): Membership | undefined => d?.items.find((m) => m.status !== 'ended');

/** After a change here or a live event: everything the section shows is fetched again (the history's pages too). */
export function refreshMembership(): void {
  for (const path of [MEMBERSHIPS, CREDITS, PLANS, PACKS]) invalidate(path);
  invalidateMatching((p) => p.startsWith(HISTORY));
}

type Data = [Items<Membership>?, Items<Credit>?, Items<Plan>?, Items<Pack>?];

/** Home: the membership and its credits, or what there is to join. */
function MembershipCard() {
  const credits = useResource<Items<Credit>>(CREDITS);
  const plans = useResource<Items<Plan>>(PLANS);
  return (
    <Loaded r={useResource<Items<Membership>>(MEMBERSHIPS)} compact>
      {(d) => {
        const m = current(d);
        if (!m) return <p>{plans.data?.items.length ? T.plansToJoin(plans.data.items.length) : T.none}</p>;
        const left = credits.data?.items.filter((c) => !c.unlimited).reduce((n, c) => n + c.remaining, 0);
        return (
          <>
            <p>
              <strong>{m.plan.name}</strong>: {m.statusText}
            </p>
            {left !== undefined && left > 0 && <p>{T.credits(left)}</p>}
          </>
        );
      }}
    </Loaded>
  );
}

export const membership: SectionDef = {
  Page: lazy(() => import('../membership/page.tsx'), lazyUi)('MembershipPage'),
  Card: MembershipCard,
  resource: [MEMBERSHIPS, CREDITS, PLANS, PACKS],
  isEmpty: ([memberships, credits, plans, packs]: Data) =>
    !current(memberships) && !credits?.items.length && !plans?.items.some((p) => p.active) && !packs?.items.some((p) => p.active),
  live: { events: ['membership', 'credit'], refresh: refreshMembership },
};
