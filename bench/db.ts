// `node bench/db.ts`: what --sync-on-commit costs the embedded SecantusDB. Single-document inserts and transactions
// of 3 inserts, 8 concurrent clients for 5 s each, against a fresh server with and without the flag.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient, type Collection } from 'mongodb';
import { SECANTUS_VERSION, startLocalDatabase } from '../scripts/db/launch.ts';
import { percentile } from './measure.ts';

const CONCURRENCY = 8;
const DURATION_MS = 5_000;

type Row = { operation: string; sync: boolean; perSecond: number; p50: number; p99: number };
type Coll = Collection<{ _id: string }>;

/** Runs op in CONCURRENCY loops for DURATION_MS; op gets its loop's number and a fresh id each call. */
async function measure(op: (worker: number, id: string) => Promise<unknown>): Promise<Omit<Row, 'operation' | 'sync'>> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        await op(worker, `${worker}:${i}:${t}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return { perSecond: (latencies.length / elapsed) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function benchServer(sync: boolean): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-db-'));
  const server = await startLocalDatabase({ dataDir: dir, syncOnCommit: sync });
  const client = await MongoClient.connect(server.uri, { maxPoolSize: CONCURRENCY });
  try {
    const coll: Coll = client.db('bench').collection('writes');
    await Promise.all(Array.from({ length: 200 }, (_, i) => coll.insertOne({ _id: `warm-up:${i}` }))); // connections, JIT
    const inserts = await measure((_, id) => coll.insertOne({ _id: id }));
    const sessions = Array.from({ length: CONCURRENCY }, () => client.startSession());
    const transactions = await measure(async (worker, id) => {
      const session = sessions[worker]!; // a session runs one transaction at a time
      await session.withTransaction(async () => {
        for (const n of [1, 2, 3]) await coll.insertOne({ _id: `${id}:${n}` }, { session });
      });
    });
    await Promise.all(sessions.map((s) => s.endSession()));
    return [
      { operation: 'insertOne', sync, ...inserts },
      { operation: 'transaction of 3 inserts', sync, ...transactions },
    ];
  } finally {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`SecantusDB ${SECANTUS_VERSION}, Node ${process.version}: ${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s per row\n`);
const rows = [...(await benchServer(true)), ...(await benchServer(false))].sort((a, b) => a.operation.localeCompare(b.operation));
const table = [
  ['operation', '--sync-on-commit', 'per second', 'p50 ms', 'p99 ms'],
  ...rows.map((r) => [r.operation, r.sync ? 'yes' : 'no', r.perSecond.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1)]),
];
const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
for (const row of table) console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('   '));
