// A booking keeps its own copy of what was booked (service, price, who, where, time zone), so editing or deleting
// the catalogue later never rewrites a customer's history or receipt.
import mongoose from 'mongoose';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import type { Money } from '../catalogue/model.ts';

export const BOOKING_STATUSES = ['confirmed', 'cancelled'] as const;

/**
 * What a booking takes (payment.ts): a card on file, or payment when booking through a tab of its own, due within
 * minutes (else the booking lapses), paid, and refunded in full or in part when cancelled.
 */
export type BookingPayment = {
  mode: 'card_on_file' | 'prepay';
  amount: number;
  currency: string;
  status: 'due' | 'paid' | 'lapsed' | 'refunded' | 'none';
  tabId?: string;
  dueBy?: Date;
  invoiceId?: string;
  refunded?: number;
  lateRefundPercent: number;
};

export type Booking = {
  _id: string;
  org: string;
  status: (typeof BOOKING_STATUSES)[number];
  customerId: string;
  customerEmail?: string;
  createdBy: 'customer' | 'staff';
  serviceId: string;
  serviceName: string;
  durationMinutes: number;
  price: Money;
  capacity: number;
  resourceId: string;
  resourceName: string;
  locationId: string;
  locationName: string;
  address?: string;
  timeZone: string;
  start: Date;
  end: Date;
  /** The time the resource is kept busy: start and end widened by the service's buffers. */
  busyStart: Date;
  busyEnd: Date;
  session: string;
  seat: number;
  cancellationWindowMinutes: number;
  lateCancellationNote?: string;
  payment?: BookingPayment;
  /** The membership or pack credit the booking used instead of a payment (memberships/ledger.ts). */
  credit?: { id: string; name: string; unlimited: boolean; lateFee?: number };
  /** Bumped by every change; a change is written only over the version it read (service.ts update). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  cancelledAt?: Date;
};

const schema = orgScopedSchema<Booking>(
  {
    _id: String,
    status: String,
    customerId: String,
    customerEmail: String,
    createdBy: String,
    serviceId: String,
    serviceName: String,
    durationMinutes: Number,
    price: { _id: false, amount: Number, currency: String },
    capacity: Number,
    resourceId: String,
    resourceName: String,
    locationId: String,
    locationName: String,
    address: String,
    timeZone: String,
    start: Date,
    end: Date,
    busyStart: Date,
    busyEnd: Date,
    session: String,
    seat: Number,
    cancellationWindowMinutes: Number,
    lateCancellationNote: String,
    payment: {
      type: {
        _id: false,
        mode: String,
        amount: Number,
        currency: String,
        status: String,
        tabId: String,
        dueBy: Date,
        invoiceId: String,
        refunded: Number,
        lateRefundPercent: Number,
      },
      default: undefined,
    },
    credit: { type: { _id: false, id: String, name: String, unlimited: Boolean, lateFee: Number }, default: undefined },
    version: Number,
    createdAt: Date,
    updatedAt: Date,
    cancelledAt: Date,
  },
  { versionKey: false },
);
// What the reads ask: a customer's bookings by time, a resource's confirmed bookings in a range (availability:
// equalities first, then the range, so the index alone decides what is read), the organisation's bookings in a range
// (staff). test/db/plans.test.ts checks each with explain.
schema.index({ org: 1, customerId: 1, start: 1 });
schema.index({ org: 1, customerId: 1, status: 1, end: 1 }); // a customer's upcoming: equalities, then the range
schema.index({ org: 1, status: 1, busyStart: 1 });
schema.index({ org: 1, start: 1 });
schema.index({ org: 1, 'payment.status': 1, 'payment.dueBy': 1 }); // prepaid bookings whose payment lapsed
export const BookingModel = mongoose.model<Booking>('Booking', schema, 'bookings');
