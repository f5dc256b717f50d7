import en, { type MoneyStrings } from './en-money.ts';

// The money pages' words (their own chunk: see en-money.ts); chosen like strings/index.ts.
export const tm: MoneyStrings = en;
