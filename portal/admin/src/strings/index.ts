import en, { type Strings } from './en.ts';

// Only English for now; a second locale would be chosen here (e.g. from <html lang>).
export const t: Strings = en;
