import { expect } from 'chai';
import { availability, sessionKey, type AvailabilityInput, type Busy, type ServiceRules } from '../../portal/api/availability/engine.ts';
import { addDays, instantOf, localAt } from '../../portal/api/availability/zoned.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const rules = (over: Partial<ServiceRules> = {}): ServiceRules => ({
  id: 'svc_1',
  durationMinutes: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  capacity: 1,
  intervalMinutes: 60,
  minNoticeMinutes: 0,
  maxDaysAhead: 365,
  ...over,
});
const hours = (start: string, end: string) => ({ weeklyHours: DAYS.map((day) => ({ day, start, end })), exceptions: [] });

function offered(input: Partial<AvailabilityInput> & { from: string; timeZone: string }) {
  const days = availability({
    service: rules(),
    resources: [{ id: 'res_a', schedule: hours('00:00', '24:00') }],
    busy: [],
    seatsTaken: new Map(),
    to: input.from,
    now: Date.parse('2027-01-01T00:00:00Z'),
    ...input,
  });
  return days.flatMap((d) => d.slots.map((s) => ({ date: d.date, local: s.local, start: new Date(s.start).toISOString(), seats: s.seatsLeft })));
}

describe('Availability engine (pure)', () => {
  describe('daylight-saving transitions', () => {
    const cases = [
      { zone: 'Europe/London', spring: '2027-03-28', autumn: '2027-10-31', gap: '01:00', repeated: '01:00' },
      { zone: 'America/New_York', spring: '2027-03-14', autumn: '2027-11-07', gap: '02:00', repeated: '01:00' },
    ];
    for (const c of cases) {
      it(`${c.zone}, spring forward (${c.spring}): the missing hour is never offered, the day has 23 hourly starts`, () => {
        const slots = offered({ timeZone: c.zone, from: c.spring });
        expect(slots).to.have.length(23);
        expect(slots.map((s) => s.local)).to.not.include(c.gap);
        // Consecutive starts are an hour apart in real time, across the jump.
        const gaps = slots.slice(1).map((s, i) => Date.parse(s.start) - Date.parse(slots[i]!.start));
        expect(new Set(gaps)).to.deep.equal(new Set([3_600_000]));
      });
      it(`${c.zone}, fall back (${c.autumn}): the repeated hour is offered twice, as two real instants`, () => {
        const slots = offered({ timeZone: c.zone, from: c.autumn });
        expect(slots).to.have.length(25);
        const twice = slots.filter((s) => s.local === c.repeated);
        expect(twice).to.have.length(2);
        expect(Date.parse(twice[1]!.start) - Date.parse(twice[0]!.start)).to.equal(3_600_000);
      });
      it(`${c.zone}: 09:00–17:00 stays 09:00–17:00 local on both sides of each transition`, () => {
        for (const date of [c.spring, c.autumn]) {
          for (const day of [addDays(date, -1), date, addDays(date, 1)]) {
            const slots = offered({ timeZone: c.zone, from: day, resources: [{ id: 'res_a', schedule: hours('09:00', '17:00') }] });
            expect(slots.map((s) => s.local)).to.deep.equal(['09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00']);
          }
        }
      });
    }
    it('names local times through Intl: 09:00 London is 09:00Z in winter and 08:00Z in summer', () => {
      expect(new Date(instantOf('2027-01-15', 9 * 60, 'Europe/London')).toISOString()).to.equal('2027-01-15T09:00:00.000Z');
      expect(new Date(instantOf('2027-07-15', 9 * 60, 'Europe/London')).toISOString()).to.equal('2027-07-15T08:00:00.000Z');
      expect(localAt(Date.parse('2027-07-15T08:00:00Z'), 'Europe/London')).to.deep.include({ date: '2027-07-15', time: '09:00' });
      expect(new Date(instantOf('2027-03-28', 90, 'Europe/London')).toISOString()).to.equal('2027-03-28T01:30:00.000Z'); // 01:30 does not exist: 02:30 BST
    });
  });

  it('minimum notice and maximum days ahead bound the offered starts', () => {
    const now = Date.parse('2027-01-15T09:30:00Z');
    const slots = offered({ timeZone: 'UTC', from: '2027-01-15', now, service: rules({ minNoticeMinutes: 120, maxDaysAhead: 1 }) });
    expect(slots[0]!.local).to.equal('12:00'); // 09:30 + 2 h notice → 11:30, next hourly start 12:00
    const later = offered({ timeZone: 'UTC', from: '2027-01-16', now, service: rules({ maxDaysAhead: 1 }) });
    expect(later.at(-1)!.local).to.equal('09:00'); // nothing after 09:30 tomorrow
  });

  it('a booking blocks the starts whose time, buffers included, would overlap it', () => {
    const start = Date.parse('2027-01-15T12:00:00Z');
    const busy: Busy[] = [{ resourceId: 'res_a', start, end: start + 3_600_000, session: 'other' }];
    const service = rules({ intervalMinutes: 30, bufferBeforeMinutes: 15, bufferAfterMinutes: 15 });
    const slots = offered({ timeZone: 'UTC', from: '2027-01-15', busy, service, resources: [{ id: 'res_a', schedule: hours('10:00', '16:00') }] });
    // 10:30 would end 11:30 + 15 min buffer = 11:45: fine. 11:00 would end 12:15 with its buffer: clash.
    expect(slots.map((s) => s.local)).to.deep.equal(['10:00', '10:30', '13:30', '14:00', '14:30', '15:00']);
  });

  it('a class session with seats left stays offered, with the seats counted; a full one is not', () => {
    const service = rules({ capacity: 3 });
    const at = Date.parse('2027-01-15T10:00:00Z');
    const session = sessionKey(service.id, 'res_a', at);
    const busy: Busy[] = [{ resourceId: 'res_a', start: at, end: at + 3_600_000, session }];
    const resources = [{ id: 'res_a', schedule: hours('10:00', '12:00') }];
    const two = offered({ timeZone: 'UTC', from: '2027-01-15', service, busy, seatsTaken: new Map([[session, 2]]), resources });
    expect(two.map((s) => [s.local, s.seats])).to.deep.equal([
      ['10:00', 1],
      ['11:00', 3],
    ]);
    const full = offered({ timeZone: 'UTC', from: '2027-01-15', service, busy, seatsTaken: new Map([[session, 3]]), resources });
    expect(full.map((s) => s.local)).to.deep.equal(['11:00']);
  });

  it('date exceptions replace the weekly hours: closed days, shorter and extra hours', () => {
    const schedule = {
      weeklyHours: [{ day: 'fri' as const, start: '09:00', end: '12:00' }],
      exceptions: [
        { from: '2027-01-15', to: '2027-01-15', hours: [] }, // a Friday off
        { from: '2027-01-22', to: '2027-01-22', hours: [{ start: '10:00', end: '11:00' }] },
        { from: '2027-01-23', to: '2027-01-23', hours: [{ start: '14:00', end: '16:00' }] }, // an extra Saturday
      ],
    };
    const days = availability({
      service: rules(),
      timeZone: 'UTC',
      resources: [{ id: 'res_a', schedule }],
      busy: [],
      seatsTaken: new Map(),
      from: '2027-01-15',
      to: '2027-01-29',
      now: Date.parse('2027-01-01T00:00:00Z'),
    });
    const by = Object.fromEntries(days.map((d) => [d.date, d.slots.map((s) => s.local)]));
    expect(by['2027-01-15']).to.deep.equal([]);
    expect(by['2027-01-22']).to.deep.equal(['10:00']);
    expect(by['2027-01-23']).to.deep.equal(['14:00', '15:00']);
    expect(by['2027-01-29']).to.deep.equal(['09:00', '10:00', '11:00']);
    expect(days).to.have.length(15); // every asked date is present, empty or not
  });

  it('overlapping and touching hours are one stretch: each start once, and a service may run across the join', () => {
    const schedule = {
      weeklyHours: [
        { day: 'fri' as const, start: '09:00', end: '11:00' },
        { day: 'fri' as const, start: '09:00', end: '11:00' }, // entered twice
        { day: 'fri' as const, start: '10:00', end: '12:00' }, // overlapping
        { day: 'fri' as const, start: '12:00', end: '13:00' }, // touching
      ],
      exceptions: [],
    };
    const slots = offered({
      timeZone: 'UTC',
      from: '2027-01-15',
      service: rules({ durationMinutes: 90, intervalMinutes: 30 }),
      resources: [{ id: 'res_a', schedule }],
    });
    expect(slots.map((s) => s.local)).to.deep.equal(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30']);
    expect(slots.every((s) => s.seats === 1)).to.equal(true);
  });

  it('each start is listed once with how many resources can take it and their seats summed, not who they are', () => {
    const at = Date.parse('2027-01-15T10:00:00Z');
    const resources = ['res_a', 'res_b', 'res_c'].map((id) => ({ id, schedule: hours('09:00', '12:00') }));
    const busy: Busy[] = [{ resourceId: 'res_b', start: at, end: at + 3_600_000, session: 'other' }];
    const [day] = availability({
      service: rules({ capacity: 2 }),
      timeZone: 'UTC',
      resources,
      busy,
      seatsTaken: new Map(),
      from: '2027-01-15',
      to: '2027-01-15',
      now: Date.parse('2027-01-01T00:00:00Z'),
    });
    expect(day!.slots.map((s) => [s.local, s.resourceCount, s.seatsLeft])).to.deep.equal([
      ['09:00', 3, 6],
      ['10:00', 2, 4],
      ['11:00', 3, 6],
    ]);
  });
});
