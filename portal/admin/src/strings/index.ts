import en, { type Strings } from './en.ts';

// Only English for now; a second locale would be chosen here (e.g. from <html lang>), with its money words
// (strings/money.ts).
export const t: Strings = en;
