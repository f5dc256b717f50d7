import en, { type MembershipStrings } from './en-memberships.ts';

// The membership pages' words (their own chunk: see en-memberships.ts); chosen like strings/index.ts.
export const tms: MembershipStrings = en;
