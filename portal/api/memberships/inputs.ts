// What the memberships routes accept, in one place (the OpenAPI document is derived from these too).
import { z } from 'zod';
import { timeCursor } from '../../../lib/cursor.ts';
import { customerId } from '../../../lib/customer-id.ts';
import { paymentMethodId } from '../payments/methods.ts';
import { MEMBERSHIP_STATUSES } from './model.ts';
import { planId } from './plans.ts';

export const membershipId = z.string().regex(/^mem_[A-Za-z0-9_-]{10,40}$/, 'is not a membership id');

export const joinInput = z.strictObject({ planId, paymentMethod: paymentMethodId.optional() });
export const enrolInput = joinInput.extend({ customerId });

/** Staff may override the rules (notice, minimum term, yearly freeze days), always with a reason for the audit log. */
const override = {
  override: z.boolean().default(false),
  reason: z.string().trim().min(1).max(200).optional(),
};
const needsReason = <T extends { override: boolean; reason?: string }>(b: T) => !b.override || !!b.reason;
const reasonRequired = { message: 'say why you override the rules', path: ['reason'] };

export const freezeInput = z.strictObject({
  from: z.iso.date('use YYYY-MM-DD'),
  days: z.number().int().min(1).max(365),
});
export const staffFreezeInput = freezeInput.extend(override).refine(needsReason, reasonRequired);
export const cancelInput = z.strictObject({});
export const staffCancelInput = z.strictObject(override).refine(needsReason, reasonRequired);
export const changeInput = z.strictObject({ planId, at: z.number().int().min(0).max(4_102_444_800).optional() });
export const staffChangeInput = changeInput.extend(override).refine(needsReason, reasonRequired);

export const listQuery = z.strictObject({
  status: z.enum(MEMBERSHIP_STATUSES).optional(),
  customerId: customerId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(timeCursor(/mem_[A-Za-z0-9_-]{10,40}/), 'use the `next` value of the previous page')
    .optional(),
});
export const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
});
export const creditForQuery = z.strictObject({
  serviceId: z.string().regex(/^svc_[A-Za-z0-9_-]{6,40}$/, 'is not a service id'),
  start: z.iso.datetime({ offset: true, message: 'use an ISO 8601 date and time' }).transform((s) => new Date(s)),
});
