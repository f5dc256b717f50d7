// Numbers 1, 2, 3, … per organisation and name, with no gaps: taken inside a transaction, a number is given back
// when the transaction aborts. Domain events are numbered so (lib/events.ts); invoices will be too.
import mongoose, { type mongo } from 'mongoose';
import { upsertAndRead } from './db.ts';
import { orgScopedSchema } from './tenancy.ts';

type Counter = { _id: string; org: string; name: string; n: number };

const schema = orgScopedSchema<Counter>(
  { _id: { type: String, required: true }, name: { type: String, required: true }, n: { type: Number, required: true } },
  { versionKey: false },
);
const CounterModel = mongoose.model<Counter>('Counter', schema, 'counters');

const idOf = (org: string, name: string) => `${org}|${name}`;

/** Takes the next `count` numbers of the sequence in the session's transaction; returns the first. */
export async function takeNumbers(session: mongo.ClientSession, org: string, name: string, count = 1): Promise<number> {
  const doc = await upsertAndRead<Counter>(CounterModel, { _id: idOf(org, name), org }, { $inc: { n: count }, $setOnInsert: { name } }, session);
  return doc.n - count + 1;
}

/** The last number taken (0 before the first). */
export async function lastNumber(org: string, name: string): Promise<number> {
  return (await CounterModel.findOne({ _id: idOf(org, name), org }, { n: 1 }).lean<Counter>())?.n ?? 0;
}
