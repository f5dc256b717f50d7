import type { ComponentType } from 'preact';
import type { Boot, SectionInfo, SectionKey } from '../boot.ts';

export type PageProps = {
  section: SectionInfo;
  boot: Boot;
  /** Sections shown in the nav, in boot order. */
  visible: SectionInfo[];
  /** Extra path segment for sub-routes, e.g. the policy kind. */
  param?: string;
};

export type SectionDef = {
  Page: ComponentType<PageProps>;
  /** Summary card on the home page. */
  Card?: ComponentType<PageProps>;
  /**
   * BFF GET path whose data decides emptiness (for `hidden_when_empty`); or several, when emptiness needs them all
   * (membership: no membership, no credits, nothing to join or buy): `isEmpty` then takes their data as an array.
   */
  resource?: string | readonly string[];
  /** Declared as a method, so each section's check may take its own resource's type. */
  isEmpty?(data: unknown): boolean;
  /** Extra top-level routes owned by this section: `#/<name>/<param>`. */
  routes?: Record<string, ComponentType<PageProps>>;
  /**
   * Live events that change the section's data, and what to fetch again: the app listens on every page, so a
   * hidden_when_empty section appears in the nav when its first item arrives (a tab opened at the counter).
   */
  live?: { events: readonly string[]; refresh: () => void };
};

export type Registry = Partial<Record<SectionKey, SectionDef>>;
