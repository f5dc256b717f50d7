// The catalogue's rules: what a location, a resource (with its hours) and a service may be, and what they refer to.
import { z } from 'zod';
import { randomId } from '../../../lib/crypto.ts';
import { Conflict, HttpError, NotFound } from '../../../lib/errors.ts';
import { WEEKDAYS, isTimeZone, toMinutes } from '../availability/zoned.ts';
import { getSettings } from '../payments/settings.ts';
import { LocationModel, PAYMENT_MODES, RESOURCE_KINDS, ResourceModel, ServiceModel, type Location, type Resource, type Service } from './model.ts';

const name = z.string().trim().min(1, 'is required').max(120);
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
const id = z.string().regex(/^[a-z]+_[A-Za-z0-9_-]{6,40}$/, 'is not an id');
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5][05]$|^24:00$/, 'use HH:MM on a 5-minute mark, 00:00 to 24:00');
const date = z.iso.date('use YYYY-MM-DD');
const minutes = (max: number) => z.number().int().min(0).max(max).multipleOf(5, 'use a multiple of 5 minutes');
const endsAfterStart = { message: 'must end after it starts', path: ['end'] };
const hours = z.strictObject({ start: time, end: time }).refine((h) => toMinutes(h.end) > toMinutes(h.start), endsAfterStart);
const weeklyHours = z
  .strictObject({ day: z.enum(WEEKDAYS), start: time, end: time })
  .refine((h) => toMinutes(h.end) > toMinutes(h.start), endsAfterStart);

export class InvalidReference extends HttpError {
  constructor(field: string, message: string) {
    super(422, 'invalid_reference', `${field}: ${message}`, [{ field, message }]);
  }
}

export const locationInput = z.strictObject({
  name,
  timeZone: z.string().refine(isTimeZone, 'is not an IANA time zone, e.g. Europe/London'),
  address: optionalText(500),
});

export const resourceInput = z.strictObject({
  name,
  kind: z.enum(RESOURCE_KINDS).default('staff'),
  locationId: id,
  email: z.email().nullable().optional(),
  weeklyHours: z.array(weeklyHours).max(70, 'at most 70 stretches of hours a week').default([]),
  exceptions: z
    .array(
      z
        .strictObject({ from: date, to: date, hours: z.array(hours).max(10, 'at most 10 stretches of hours a day'), note: optionalText(200) })
        .refine((e) => e.to >= e.from, { message: 'must not be before from', path: ['to'] }),
    )
    .max(500, 'at most 500 date exceptions: remove past ones first')
    .default([]),
});

const servicePayment = z
  .strictObject({
    mode: z.enum(PAYMENT_MODES),
    deposit: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('percent'), value: z.number().int().min(1).max(100) }),
        z.strictObject({ kind: z.literal('amount'), value: z.number().int().min(1).max(100_000_000) }),
      ])
      .nullable()
      .optional(),
    taxRateId: z.string().max(40).nullable().optional(),
    lateRefundPercent: z.number().int().min(0).max(100).default(0),
    lateCancelFee: z.number().int().min(1).max(100_000_000).nullable().optional(),
  })
  .refine((p) => p.mode === 'prepay' || !p.deposit, { message: 'only a prepaid service takes a deposit', path: ['deposit'] });

export const serviceInput = z.strictObject({
  name,
  description: optionalText(2000),
  durationMinutes: minutes(24 * 60).min(5),
  intervalMinutes: minutes(24 * 60)
    .min(5)
    .default(15),
  price: z.strictObject({
    amount: z.number().int().min(0).max(100_000_000),
    currency: z.string().regex(/^[A-Z]{3}$/, 'use an ISO 4217 code, e.g. GBP'),
  }),
  bufferBeforeMinutes: minutes(240).default(0),
  bufferAfterMinutes: minutes(240).default(0),
  capacity: z.number().int().min(1).max(500).default(1),
  resourceIds: z.array(id).min(1, 'name who can deliver it').max(100, 'at most 100 staff members or resources per service'),
  locationId: id,
  minNoticeMinutes: minutes(60 * 24 * 90).default(60),
  maxDaysAhead: z.number().int().min(1).max(730).default(60),
  cancellationWindowMinutes: minutes(60 * 24 * 30).default(24 * 60),
  lateCancellationNote: optionalText(500),
  payment: servicePayment.optional(),
  active: z.boolean().default(true),
});

// A patch sets only the fields it names (no defaults fill in the others).
export const patchOf = <T extends z.ZodRawShape>(schema: z.ZodObject<T>) =>
  z.strictObject(
    Object.fromEntries(
      Object.entries(schema.shape).map(([k, v]) => [k, (v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType)).optional()]),
    ) as unknown as {
      [K in keyof T]: z.ZodOptional<T[K]>;
    },
  );
export const locationPatch = patchOf(locationInput);
export const resourcePatch = patchOf(resourceInput);
export const servicePatch = patchOf(serviceInput);
export const catalogueId = id;

/** Stored fields without the organisation, `_id` as `id`. */
export function view<T extends { _id: string; org: string }>(doc: T): Omit<T, '_id' | 'org'> & { id: string } {
  const { _id, org: _org, ...rest } = doc;
  return { id: _id, ...rest };
}
const cleared = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === null ? undefined : v]));

export type LocationView = ReturnType<typeof view<Location>>;
export type ResourceView = ReturnType<typeof view<Resource>>;
export type ServiceView = ReturnType<typeof view<Service>>;

// ---- reads

export const listLocations = async (org: string) => (await LocationModel.find({ org }).sort({ createdAt: 1 }).lean<Location[]>()).map(view);
export const listResources = async (org: string) => (await ResourceModel.find({ org }).sort({ createdAt: 1 }).lean<Resource[]>()).map(view);
export const listServices = async (org: string, options: { activeOnly?: boolean } = {}) =>
  (
    await ServiceModel.find({ org, ...(options.activeOnly ? { active: true } : {}) })
      .sort({ createdAt: 1 })
      .lean<Service[]>()
  ).map(view);

async function found<T>(doc: Promise<T | null>, what: string): Promise<T> {
  const d = await doc;
  if (!d) throw new NotFound(`No such ${what}.`);
  return d;
}
export const getLocation = async (org: string, locationId: string) =>
  view(await found(LocationModel.findOne({ _id: locationId, org }).lean<Location>(), 'location'));
export const getResource = async (org: string, resourceId: string) =>
  view(await found(ResourceModel.findOne({ _id: resourceId, org }).lean<Resource>(), 'resource'));
export const getService = async (org: string, serviceId: string) =>
  view(await found(ServiceModel.findOne({ _id: serviceId, org }).lean<Service>(), 'service'));

export async function resourcesByIds(org: string, ids: string[]): Promise<ResourceView[]> {
  return (await ResourceModel.find({ org, _id: { $in: ids } }).lean<Resource[]>()).map(view);
}

// ---- references

async function checkLocation(org: string, locationId: string | undefined) {
  if (locationId && !(await LocationModel.exists({ _id: locationId, org }))) throw new InvalidReference('locationId', 'no such location');
}

async function checkResources(org: string, locationId: string, resourceIds: string[] | undefined) {
  if (!resourceIds) return;
  const resources = await resourcesByIds(org, resourceIds);
  resourceIds.forEach((rid, i) => {
    const r = resources.find((x) => x.id === rid);
    if (!r) throw new InvalidReference(`resourceIds.${i}`, 'no such resource');
    if (r.locationId !== locationId) throw new InvalidReference(`resourceIds.${i}`, `${r.name} works at another location`);
  });
}

// ---- writes (each returns the subject before and after, for the audit log)

export async function createLocation(org: string, input: z.infer<typeof locationInput>) {
  const doc = await LocationModel.create({ _id: `loc_${randomId(9)}`, org, ...cleared(input), createdAt: new Date() });
  return view(doc.toObject() as Location);
}

export async function updateLocation(org: string, locationId: string, patch: z.infer<typeof locationPatch>) {
  const before = await getLocation(org, locationId);
  await LocationModel.updateOne({ _id: locationId, org }, toUpdate(patch));
  return { before, after: await getLocation(org, locationId) };
}

export async function deleteLocation(org: string, locationId: string) {
  const before = await getLocation(org, locationId);
  if (await ResourceModel.exists({ org, locationId }))
    throw new Conflict('Staff or resources still work at this location: move or delete them first.');
  if (await ServiceModel.exists({ org, locationId })) throw new Conflict('Services are still offered at this location: move or delete them first.');
  await LocationModel.deleteOne({ _id: locationId, org });
  return before;
}

export async function createResource(org: string, input: z.infer<typeof resourceInput>) {
  await checkLocation(org, input.locationId);
  const doc = await ResourceModel.create({ _id: `res_${randomId(9)}`, org, ...cleared(input), createdAt: new Date() });
  return view(doc.toObject() as Resource);
}

export async function updateResource(org: string, resourceId: string, patch: z.infer<typeof resourcePatch>) {
  const before = await getResource(org, resourceId);
  await checkLocation(org, patch.locationId);
  if (patch.locationId && patch.locationId !== before.locationId && (await ServiceModel.exists({ org, resourceIds: resourceId }))) {
    throw new Conflict('Services at the old location are delivered by this resource: remove it from them first.');
  }
  await ResourceModel.updateOne({ _id: resourceId, org }, toUpdate(patch));
  return { before, after: await getResource(org, resourceId) };
}

export async function deleteResource(org: string, resourceId: string) {
  const before = await getResource(org, resourceId);
  if (await ServiceModel.exists({ org, resourceIds: resourceId }))
    throw new Conflict('Services are still delivered by this resource: remove it from them first.');
  await ResourceModel.deleteOne({ _id: resourceId, org });
  return before;
}

/** A service's payment terms name a tax rate of the payment settings, if any. */
async function checkTaxRate(org: string, payment: z.infer<typeof servicePayment> | undefined) {
  if (payment?.taxRateId && !(await getSettings(org)).taxRates.some((r) => r.id === payment.taxRateId)) {
    throw new InvalidReference('payment.taxRateId', 'is not one of the tax rates in the payment settings');
  }
}

export async function createService(org: string, input: z.infer<typeof serviceInput>) {
  await checkLocation(org, input.locationId);
  await checkTaxRate(org, input.payment);
  await checkResources(org, input.locationId, input.resourceIds);
  const doc = await ServiceModel.create({ _id: `svc_${randomId(9)}`, org, ...cleared(input), createdAt: new Date() });
  return view(doc.toObject() as Service);
}

export async function updateService(org: string, serviceId: string, patch: z.infer<typeof servicePatch>) {
  const before = await getService(org, serviceId);
  await checkLocation(org, patch.locationId);
  await checkTaxRate(org, patch.payment ?? undefined);
  if (patch.locationId || patch.resourceIds)
    await checkResources(org, patch.locationId ?? before.locationId, patch.resourceIds ?? before.resourceIds);
  await ServiceModel.updateOne({ _id: serviceId, org }, toUpdate(patch));
  return { before, after: await getService(org, serviceId) };
}

/** Deleting a service leaves its bookings as they are: each keeps its own copy of what was booked. */
export async function deleteService(org: string, serviceId: string) {
  const before = await getService(org, serviceId);
  await ServiceModel.deleteOne({ _id: serviceId, org });
  return before;
}

/** `null` in a patch clears the field. */
export function toUpdate(patch: Record<string, unknown>) {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  const $set = Object.fromEntries(entries.filter(([, v]) => v !== null));
  const $unset = Object.fromEntries(entries.filter(([, v]) => v === null).map(([k]) => [k, 1]));
  return { ...(Object.keys($set).length ? { $set } : {}), ...(Object.keys($unset).length ? { $unset } : {}) };
}

/** What customers see of a service: no internal fields, with its location and who can deliver it. */
export async function publicServices(org: string, serviceId?: string) {
  const services = serviceId ? [await getService(org, serviceId)].filter((s) => s.active) : await listServices(org, { activeOnly: true });
  if (serviceId && !services.length) throw new NotFound('No such service.');
  const [locations, resources] = await Promise.all([listLocations(org), resourcesByIds(org, [...new Set(services.flatMap((s) => s.resourceIds))])]);
  return services.map(({ resourceIds, locationId, active: _active, createdAt: _createdAt, ...s }) => {
    const l = locations.find((x) => x.id === locationId);
    return {
      ...s,
      location: l && { id: l.id, name: l.name, timeZone: l.timeZone, address: l.address },
      resources: resourceIds.flatMap((rid) => resources.filter((r) => r.id === rid).map((r) => ({ id: r.id, name: r.name, kind: r.kind }))),
    };
  });
}
