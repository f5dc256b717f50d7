// Every section a portal can show, in default navigation order. A section whose feature is not built yet stays
// registered (so portals can already place it) but is unavailable and disabled by default.
export const SECTION_STATES = ['enabled', 'disabled', 'hidden_when_empty'] as const;
export type SectionState = (typeof SECTION_STATES)[number];

export const SECTIONS = [
  { key: 'home', label: 'Home', available: true, state: 'enabled' },
  { key: 'book', label: 'Book', available: true, state: 'enabled' },
  { key: 'upcoming', label: 'Upcoming bookings', available: true, state: 'enabled' },
  { key: 'history', label: 'Booking history', available: true, state: 'hidden_when_empty' },
  { key: 'tabs', label: 'Open tabs', available: true, state: 'hidden_when_empty' },
  { key: 'invoices', label: 'Invoices and receipts', available: true, state: 'hidden_when_empty' },
  { key: 'payment-methods', label: 'Payment methods', available: true, state: 'enabled' },
  { key: 'profile', label: 'Profile', available: true, state: 'enabled' },
  { key: 'membership', label: 'Membership', available: true, state: 'hidden_when_empty' },
  { key: 'company', label: 'Company and policies', available: true, state: 'hidden_when_empty' },
] as const satisfies readonly { key: string; label: string; available: boolean; state: SectionState }[];

export type SectionKey = (typeof SECTIONS)[number]['key'];
export const SECTION_KEYS = SECTIONS.map((s) => s.key) as [SectionKey, ...SectionKey[]];

export type StoredSection = { key: SectionKey; state: SectionState; label?: string };
export type SectionView = { key: SectionKey; label: string; state: SectionState; available: boolean };

/** Stored order and states over the registry: sections added to the registry later join at the end. */
export function resolveSections(stored: StoredSection[] = []): SectionView[] {
  const known = new Map(SECTIONS.map((s) => [s.key as SectionKey, s]));
  const seen = new Set<SectionKey>();
  const out: SectionView[] = [];
  for (const s of stored) {
    const def = known.get(s.key);
    if (!def || seen.has(s.key)) continue;
    seen.add(s.key);
    out.push({ key: s.key, label: s.label ?? def.label, state: s.state, available: def.available });
  }
  for (const def of SECTIONS) if (!seen.has(def.key)) out.push({ key: def.key, label: def.label, state: def.state, available: def.available });
  return out;
}
