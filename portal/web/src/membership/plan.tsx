// What a plan includes and on which terms, in words ("8 classes a month", "15 % off Deep tissue massage", "30 days'
// notice to cancel"): the same list on a plan to join and on the customer's own membership.
import type { Plan } from '../../../shared/memberships.ts';
import type { Services } from '../sections/book.tsx';
import { useResource } from '../../../shared/store.ts';
import { formatDateIn, money } from '../format.ts';
import { tm } from '../strings/membership.ts';

type Benefits = Pick<Plan, 'perks' | 'entitlements' | 'discounts' | 'interval'>;

/**
 * "3 December 2026": a local date (`YYYY-MM-DD`, the business's calendar: read at noon UTC, never shifted), or an
 * instant's date in the business's zone (a period that ends at its midnight ends on that date wherever one reads it).
 */
export const day = (date: string, zone?: string): string =>
  /^\d{4}-\d\d-\d\d$/.test(date) ? formatDateIn(`${date}T12:00:00Z`, 'UTC') : formatDateIn(date, zone);

/** The services' names ("Sunrise yoga and Vinyasa"), when the catalogue knows them all. */
export function useServiceNames(): (ids: string[]) => string {
  const services = useResource<Services>('services').data?.items ?? [];
  return (ids) => {
    const names = ids.map((id) => services.find((s) => s.id === id)?.name);
    if (!ids.length || names.some((n) => !n)) return tm.selectedServices;
    return new Intl.ListFormat(document.documentElement.lang || 'en', { type: 'conjunction' }).format(names as string[]);
  };
}

export function Included({ plan }: { plan: Benefits }) {
  const names = useServiceNames();
  const items = [
    ...plan.entitlements.map((e) => (e.unlimited ? tm.unlimited(e.name) : tm.credits(e.credits, e.name, plan.interval))),
    ...plan.discounts.map((d) => tm.discount(d.percent, names(d.serviceIds))),
    ...plan.perks,
  ];
  if (!items.length) return null;
  return <Sentences title={tm.included} items={items} />;
}

/** A plan's sentences under a heading: what it includes, its terms. */
function Sentences({ title, items }: { title: string; items: string[] }) {
  return (
    <>
      <h4>{title}</h4>
      <ul class="benefits">
        {items.map((x, i) => (
          <li key={i}>{x}</li>
        ))}
      </ul>
    </>
  );
}

type Terms = Pick<Plan, 'price' | 'interval' | 'noticeDays' | 'minimumTermPeriods' | 'freeze'> &
  Partial<Pick<Plan, 'joiningFee' | 'trialDays' | 'rollover'>>;

export function PlanTerms({ plan: p }: { plan: Terms }) {
  const m = (amount: number) => money(amount, p.price.currency);
  const items = [
    p.joiningFee ? tm.joiningFee(m(p.joiningFee)) : '',
    p.trialDays ? tm.trial(p.trialDays) : '',
    p.minimumTermPeriods ? tm.minimumTerm(p.minimumTermPeriods, p.interval) : tm.noMinimum,
    tm.notice(p.noticeDays),
    p.freeze.allowed ? tm.freezeAllowed(p.freeze.maxDaysPerYear, p.freeze.fee ? m(p.freeze.fee) : '') : '',
    p.rollover ? tm.rollover(p.rollover.maxCredits, p.rollover.periods, p.interval) : '',
  ].filter(Boolean);
  return <Sentences title={tm.terms} items={items} />;
}

export const planPrice = (plan: Pick<Plan, 'price' | 'interval'>): string => tm.price(money(plan.price.amount, plan.price.currency), plan.interval);
