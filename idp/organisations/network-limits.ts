// An organisation's sign-in limits for one network (idp/otp/budgets.ts): codes an hour, and how many of them are sent
// before a browser must solve a challenge. Set by its admins (Admin API) or the operator (`portico sign-in limits`),
// never above the platform's cap for one network (SIGN_IN_CODES_PER_NETWORK), nor more free codes than FREE_CODES_MAX.
import { z } from 'zod';
import { BadRequest, Conflict } from '../../lib/errors.ts';
import { FREE_CODES_MAX, NETWORK_DEFAULTS, type NetworkLimits } from '../otp/budgets.ts';
import { OrganisationModel, type Organisation } from './model.ts';
import { requireOrganisation } from './service.ts';

const count = z.number().int().min(1);
export const networkLimitsInput = z.strictObject({
  codesPerHour: count.max(10_000).optional(),
  challengeAfter: count
    .max(
      FREE_CODES_MAX,
      `at most ${FREE_CODES_MAX}: every code counts against the platform's limit for the network, which all organisations share, so only so many may be sent without a check`,
    )
    .optional(),
});

/** The limits a network has at `org`: its own setting (free codes within FREE_CODES_MAX, also if set before it), else the defaults. */
export function networkLimitsOf(org: Pick<Organisation, 'settings'>): NetworkLimits {
  const stored = org.settings.networkLimits;
  return stored ? { ...stored, challengeAfter: Math.min(stored.challengeAfter, FREE_CODES_MAX) } : NETWORK_DEFAULTS;
}

/** What the Admin API and the CLI show: the organisation's limits, and the platform's cap they stay under. */
export const networkLimitsView = (limits: NetworkLimits, platformPerHour: number) => ({ ...limits, platformPerHour, defaults: NETWORK_DEFAULTS });

/**
 * Changes some of the organisation's limits; the rest stay. Written only over the limits it read, so two changes at
 * once cannot together break `challengeAfter <= codesPerHour`.
 */
export async function setNetworkLimits(
  slug: string,
  input: z.infer<typeof networkLimitsInput>,
  platformPerHour: number,
): Promise<{ before: NetworkLimits; after: NetworkLimits }> {
  const org = await requireOrganisation(slug);
  const before = networkLimitsOf(org);
  const after = { codesPerHour: input.codesPerHour ?? before.codesPerHour, challengeAfter: input.challengeAfter ?? before.challengeAfter };
  if (after.codesPerHour > platformPerHour)
    throw new BadRequest(`codesPerHour: at most ${platformPerHour}, the platform's limit for one network (SIGN_IN_CODES_PER_NETWORK)`);
  if (after.challengeAfter > after.codesPerHour)
    throw new BadRequest(`challengeAfter: at most codesPerHour (${after.codesPerHour}): past it no code is sent at all`);
  const stored = org.settings.networkLimits;
  const current = stored
    ? { 'settings.networkLimits.codesPerHour': stored.codesPerHour, 'settings.networkLimits.challengeAfter': stored.challengeAfter }
    : { 'settings.networkLimits': null };
  const { matchedCount } = await OrganisationModel.updateOne({ _id: org._id, ...current }, { $set: { 'settings.networkLimits': after } });
  if (!matchedCount) throw new Conflict('The limits changed at the same time; reload them and try again.');
  return { before, after };
}
