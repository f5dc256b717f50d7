// Section registry: key → definition. Adding a section = one file + one line here.
import type { Registry } from './types.ts';
import { home } from './home.tsx';
import { profile } from './profile.tsx';
import { company } from './company.tsx';

export const registry: Registry = {
  home,
  profile,
  company,
};
