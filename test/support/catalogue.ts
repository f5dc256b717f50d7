// A small catalogue created through the Admin API, as a business would: one London location, two therapists who
// work 07:00–21:00 every day, a 60-minute massage (one customer at a time) and a yoga class of eight.
import { expect } from 'chai';
import { adminUrl, call } from './api.ts';
import type { TestOrg } from './oidc.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const everyDay = (start: string, end: string) => DAYS.map((day) => ({ day, start, end }));

/** POSTs to the Admin API and returns the created entry, failing the test on anything but 201. */
export async function create(t: TestOrg, token: string, path: string, body: object) {
  const res = await call('POST', `${adminUrl(t)}/${path}`, token, body);
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(201);
  return res.body;
}

export async function seedCatalogue(t: TestOrg, token: string, options: { timeZone?: string } = {}) {
  const location = await create(t, token, 'locations', {
    name: 'Harbour Day Spa',
    timeZone: options.timeZone ?? 'Europe/London',
    address: '12 Quay Street, Falmouth',
  });
  const therapist = (name: string) =>
    create(t, token, 'resources', { name, kind: 'staff', locationId: location.id, weeklyHours: everyDay('07:00', '21:00') });
  const therapists = [await therapist('Ana Ruiz'), await therapist('Ben Okafor')];
  const resourceIds = therapists.map((r) => r.id);
  const massage = await create(t, token, 'services', {
    name: 'Deep tissue massage',
    description: 'A firm full-body massage.',
    durationMinutes: 60,
    intervalMinutes: 60,
    price: { amount: 6500, currency: 'GBP' },
    bufferAfterMinutes: 15,
    resourceIds,
    locationId: location.id,
    minNoticeMinutes: 60,
    maxDaysAhead: 60,
    cancellationWindowMinutes: 24 * 60,
    lateCancellationNote: 'Within 24 hours, please call us on 01326 000000.',
  });
  const yoga = await create(t, token, 'services', {
    name: 'Sunrise yoga',
    durationMinutes: 60,
    intervalMinutes: 60,
    price: { amount: 1200, currency: 'GBP' },
    capacity: 8,
    resourceIds: [therapists[0].id],
    locationId: location.id,
    minNoticeMinutes: 0,
    cancellationWindowMinutes: 60,
  });
  return { location, therapists, massage, yoga };
}
