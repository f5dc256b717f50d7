// A membership's calendar on the organisation's wall clock: periods start at the same local time across
// daylight-saving changes and month ends, and an invoice's period start maps to the period it pays.
import { expect } from 'chai';
import { localAt } from '../../portal/api/availability/zoned.ts';
import { addIntervals, periodAt, periodStart, periodStartingNear, startOfDay } from '../../portal/api/memberships/periods.ts';

describe('Membership periods', () => {
  const zone = 'Europe/London';
  const anchor = startOfDay(Date.parse('2026-03-15T12:00:00Z'), zone); // London is on GMT: midnight is 00:00Z

  it('starts every period at local midnight across the clocks changing', () => {
    const c = { anchor, interval: 'month' as const, timeZone: zone };
    expect(new Date(periodStart(c, 1)).toISOString()).to.equal('2026-03-15T00:00:00.000Z');
    expect(new Date(periodStart(c, 2)).toISOString()).to.equal('2026-04-14T23:00:00.000Z'); // BST: midnight is 23:00Z the day before
    expect(new Date(periodStart(c, 9)).toISOString()).to.equal('2026-11-15T00:00:00.000Z'); // GMT again
    for (let n = 1; n <= 14; n++) expect(localAt(periodStart(c, n), zone).time).to.equal('00:00');
    // A week over the spring change is an hour short, on the wall clock still seven days.
    const w = { anchor: startOfDay(Date.parse('2026-03-25T12:00:00Z'), zone), interval: 'week' as const, timeZone: zone };
    expect(periodStart(w, 2) - periodStart(w, 1)).to.equal(7 * 86_400_000 - 3_600_000);
  });

  it('clamps a month-end anchor to shorter months without drifting', () => {
    expect(['2026-02', '2026-03', '2026-04'].map((_, i) => addIntervals('2026-01-31', 'month', i + 1))).to.deep.equal([
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
    ]);
    expect(addIntervals('2024-02-29', 'year', 1)).to.equal('2025-02-28');
  });

  it('finds the period an instant falls in, and the period an invoice starting near a boundary pays', () => {
    const c = { anchor, interval: 'month' as const, timeZone: zone };
    expect(periodAt(c, anchor - 1)).to.equal(0);
    expect(periodAt(c, anchor)).to.equal(1);
    expect(periodAt(c, periodStart(c, 7) - 1)).to.equal(6);
    expect(periodAt(c, periodStart(c, 7))).to.equal(7);
    // Stripe bills at its own time of day: an hour either side of our boundary is still that period.
    expect(periodStartingNear(c, periodStart(c, 3) + 3_600_000)).to.equal(3);
    expect(periodStartingNear(c, periodStart(c, 3) - 3_600_000)).to.equal(3);
  });
});
