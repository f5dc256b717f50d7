// Section registry: key → definition. Adding a section = one file + one line here.
import type { Registry } from './types.ts';
import { home } from './home.tsx';
import { profile } from './profile.tsx';
import { company } from './company.tsx';
import { book } from './book.tsx';
import { upcoming } from './upcoming.tsx';
import { history } from './history.tsx';
import { tabs } from './tabs.tsx';
import { invoices } from './invoices.tsx';
import { paymentMethods } from './payment-methods.tsx';
import { membership } from './membership.tsx';

export const registry: Registry = {
  home,
  book,
  upcoming,
  history,
  tabs,
  invoices,
  'payment-methods': paymentMethods,
  profile,
  membership,
  company,
};
