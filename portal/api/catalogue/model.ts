// What a business offers: locations (each with its time zone), the staff and resources who deliver services, with
// their working hours, and the services customers book.
import mongoose from 'mongoose';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import type { Schedule } from '../availability/engine.ts';

export const RESOURCE_KINDS = ['staff', 'room', 'equipment'] as const;
export type Money = { amount: number; currency: string };

export const PAYMENT_MODES = ['none', 'card_on_file', 'prepay'] as const;
/**
 * What a booking of the service takes: nothing, a saved card, or payment when booking (the whole price, or a deposit
 * of a percent or an amount). A cancellation after the cancellation deadline refunds `lateRefundPercent` of what was
 * paid; before it, everything.
 */
export type ServicePayment = {
  mode: (typeof PAYMENT_MODES)[number];
  deposit?: { kind: 'percent' | 'amount'; value: number } | null;
  taxRateId?: string | null;
  lateRefundPercent: number;
  /** Charged, with the credit given back, when a booking made on a membership credit is cancelled late; none: the credit is forfeited. */
  lateCancelFee?: number | null;
};

export type Location = { _id: string; org: string; name: string; timeZone: string; address?: string; createdAt: Date };
export type Resource = Schedule & {
  _id: string;
  org: string;
  name: string;
  kind: (typeof RESOURCE_KINDS)[number];
  locationId: string;
  email?: string;
  createdAt: Date;
};
export type Service = {
  _id: string;
  org: string;
  name: string;
  description?: string;
  durationMinutes: number;
  intervalMinutes: number;
  price: Money;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  capacity: number;
  resourceIds: string[];
  locationId: string;
  minNoticeMinutes: number;
  maxDaysAhead: number;
  cancellationWindowMinutes: number;
  lateCancellationNote?: string;
  payment?: ServicePayment;
  active: boolean;
  createdAt: Date;
};

const hours = { _id: false, start: String, end: String };
const options = { versionKey: false } as const;

const locationSchema = orgScopedSchema<Location>({ _id: String, name: String, timeZone: String, address: String, createdAt: Date }, options);
locationSchema.index({ org: 1, createdAt: 1 });

const resourceSchema = orgScopedSchema<Resource>(
  {
    _id: String,
    name: String,
    kind: String,
    locationId: String,
    email: String,
    weeklyHours: [{ ...hours, day: String }],
    exceptions: [{ _id: false, from: String, to: String, hours: [hours], note: String }],
    createdAt: Date,
  },
  options,
);
resourceSchema.index({ org: 1, createdAt: 1 });
// A service's resources are read by id within the organisation ({org, _id: {$in}}): on SecantusDB only an index
// led by org serves that shape (it does not combine the _id index with the org filter).
resourceSchema.index({ org: 1, _id: 1 });

const serviceSchema = orgScopedSchema<Service>(
  {
    _id: String,
    name: String,
    description: String,
    durationMinutes: Number,
    intervalMinutes: Number,
    price: { _id: false, amount: Number, currency: String },
    bufferBeforeMinutes: Number,
    bufferAfterMinutes: Number,
    capacity: Number,
    resourceIds: [String],
    locationId: String,
    minNoticeMinutes: Number,
    maxDaysAhead: Number,
    cancellationWindowMinutes: Number,
    lateCancellationNote: String,
    payment: {
      type: {
        _id: false,
        mode: String,
        deposit: { type: { _id: false, kind: String, value: Number }, default: null },
        taxRateId: { type: String, default: null },
        lateRefundPercent: Number,
        lateCancelFee: { type: Number, default: null },
      },
      default: undefined,
    },
    active: Boolean,
    createdAt: Date,
  },
  options,
);
serviceSchema.index({ org: 1, createdAt: 1 });

export const LocationModel = mongoose.model<Location>('Location', locationSchema, 'locations');
export const ResourceModel = mongoose.model<Resource>('Resource', resourceSchema, 'resources');
export const ServiceModel = mongoose.model<Service>('Service', serviceSchema, 'services');
