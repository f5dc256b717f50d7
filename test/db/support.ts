// Helpers for the engine conformance suite (engine.test.ts): the server under test, condition waits, outcomes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db, type Document, type MongoClientOptions } from 'mongodb';
import { SECANTUS_VERSION, startLocalDatabase } from '../../scripts/db/launch.ts';

export type Engine = {
  /** MONGODB_URI is set: a server we did not start and cannot kill. */
  remote: boolean;
  /** For messages: "MongoDB 8.0.4 (replica set rs0)", "SecantusDB 0.7.0b3, reporting MongoDB 8.2.11 (replica set secantus)". */
  name: string;
  client: MongoClient;
  /** A fresh database; close() drops it on MONGODB_URI. */
  db: Db;
  close(): Promise<void>;
};

/** MONGODB_URI when set, else an embedded SecantusDB in a temporary folder; either way a fresh database. */
export async function openEngine(): Promise<Engine> {
  const remoteUri = process.env.MONGODB_URI;
  const dir = remoteUri ? undefined : mkdtempSync(join(tmpdir(), 'portico-engine-'));
  const server = dir ? await startLocalDatabase({ dataDir: join(dir, 'db') }) : undefined;
  const client = await MongoClient.connect(remoteUri ?? server!.uri);
  const db = client.db(`portico_engine_${randomBytes(4).toString('hex')}`);
  const [build, hello] = await Promise.all([db.admin().command({ buildInfo: 1 }), db.admin().command({ hello: 1 })]);
  const topology = hello.setName ? `replica set ${hello.setName}` : 'standalone';
  return {
    remote: Boolean(remoteUri),
    name: server ? `SecantusDB ${SECANTUS_VERSION}, reporting MongoDB ${build.version} (${topology})` : `MongoDB ${build.version} (${topology})`,
    client,
    db,
    async close() {
      try {
        if (!server) await db.dropDatabase(); // an embedded server's folder goes whole (SecantusDB took 15 s to drop it)
      } finally {
        await client.close();
        await server?.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A client for a server the test kills: fails fast instead of retrying into a 30 s server selection timeout. */
export const fragileClient = (uri: string, options: MongoClientOptions = {}) =>
  MongoClient.connect(uri, { retryWrites: false, retryReads: false, serverSelectionTimeoutMS: 2_000, ...options });

/** Polls probe until it returns something truthy, and returns that; fails after timeoutMs saying what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Runs op(0..n-1) all at once; each outcome is its result or, when it failed, the error's code ('no code' if none). */
export async function inParallel<T>(
  n: number,
  op: (i: number) => Promise<T>,
): Promise<({ ok: true; value: T } | { ok: false; code: unknown; error: unknown })[]> {
  const settled = await Promise.allSettled(range(n).map(op));
  return settled.map((s) =>
    s.status === 'fulfilled'
      ? { ok: true, value: s.value }
      : { ok: false, code: (s.reason as { code?: unknown }).code ?? 'no code', error: s.reason },
  );
}

/** The code a promise failed with, or 'ok'. */
export const failureCode = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'ok',
    (err: { code?: unknown }) => err.code ?? err,
  );

/** Every `stage` in an explain's winning plan, outermost first (handles the classic and the SBE `queryPlan` shapes). */
export function planStages(explain: Document): string[] {
  const stages: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.stage === 'string') stages.push(o.stage);
      for (const [key, value] of Object.entries(o)) if (key !== 'slotBasedPlan') walk(value);
    }
  };
  walk(explain.queryPlanner.winningPlan);
  return stages;
}
