// Booking on a membership's or a class pack's credit: on the confirmation, what this booking would use ("Uses 1 of
// your 8 classes (5 left after this booking)", "Unlimited yoga") in place of the price, or that the plan does not
// allow booking it without a credit. Asked again when credits change (live), e.g. one used in another tab.
import { useEffect, useState } from 'preact/hooks';
import type { CreditFor } from '../../../shared/memberships.ts';
import type { Booking } from '../types.ts';
import { api } from '../../../shared/api.ts';
import { useLive } from '../../../shared/live.ts';
import { t } from '../strings/index.ts';

const T = t.membership;

/**
 * What booking the service at `start` would use; `undefined` while asked, or when the API cannot say (a session
 * without the memberships scope, a business without memberships): then the booking shows its price as before.
 */
export function useCreditFor(bff: string, serviceId: string, start: string | null): CreditFor | undefined {
  const [answer, setAnswer] = useState<{ key: string; value?: CreditFor }>();
  const key = start ? `credits/for?serviceId=${encodeURIComponent(serviceId)}&start=${encodeURIComponent(start)}` : '';
  const ask = () => {
    if (!key) return;
    api<CreditFor>(key).then(
      (value) => setAnswer({ key, value }),
      () => setAnswer({ key }),
    );
  };
  useEffect(ask, [key]);
  useLive(bff, ['credit'], ask);
  return answer?.key === key ? answer.value : undefined;
}

/** Is the booking refused for want of a credit (the plan says so)? */
export const refused = (c: CreditFor | undefined): boolean => !!c && !c.use && c.whenOut === 'refuse';

/** The price's place on the confirmation when a credit pays. */
export function creditWords(c: NonNullable<CreditFor['use']>): string {
  return c.unlimited ? T.unlimited(c.name) : T.usesCredit(c.granted, c.name, Math.max(0, c.remaining - 1));
}

/** A booking made on a credit, in its facts: "Paid with 1 of your yoga classes" ("Unlimited yoga"). */
export function BookedOn({ b }: { b: Booking }) {
  if (!b.credit) return null;
  return (
    <>
      <dt>{T.paidWith}</dt>
      <dd>{b.credit.unlimited ? T.unlimited(b.credit.name) : T.onCredit(b.credit.name)}</dd>
    </>
  );
}
