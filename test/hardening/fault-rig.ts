// Parts the fault tests may break without breaking the shared stack: a database process of their own (stopped and
// started again on the same files and port), Portico processes of their own (killed with SIGKILL), a mailbox of
// their own (taken down and brought back). Faults are counted, so the run can say how many were injected and survived.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exited, freePort, startLocalDatabase, type LocalDatabase } from '../../scripts/db/launch.ts';
import type { Stack } from '../support/stack.ts';

/** Faults injected, and those the system came through (every check after the fault passed). */
export const faults = { injected: 0, survived: 0, kinds: [] as string[] };

/** Runs `fault` (which injects it and checks what follows); counts it as survived only if it returns. */
export async function fault<T>(kind: string, run: () => Promise<T>): Promise<T> {
  faults.injected++;
  const result = await run();
  faults.survived++;
  faults.kinds.push(kind);
  return result;
}

/** Waits until `check` answers true (or a value), asking again and again until `ms` have passed; never sleeps on a guess. */
export async function until<T>(what: string, check: () => Promise<T | false | undefined> | T | false | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
/** Stops everything the rig started (the test file's `after`). */
export async function cleanUpRig(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!();
}

export type OwnDatabase = { uri: string; stop(): Promise<void>; start(): Promise<void> };

/** A database server of its own, stopped and started again on the same data folder and port. */
export async function ownDatabase(): Promise<OwnDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-faults-'));
  let server: LocalDatabase | undefined = await startLocalDatabase({ dataDir: join(dir, 'db') });
  const { port } = server;
  const url = new URL(server.uri);
  url.pathname = '/portico_faults';
  cleanups.push(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    uri: url.toString(),
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server = await startLocalDatabase({ dataDir: join(dir, 'db'), port });
    },
  };
}

export type Instance = { baseUrl: string; env: Record<string, string>; kill(): Promise<void>; stop(): Promise<void>; output(): string };

/**
 * A Portico process (server/main.ts) on the shared stack's secrets and stripe-mock, changed by `env` (its database,
 * its mail server). By default its public URL is its own, so issuers and sign-in pages are its own.
 */
export async function instance(s: Stack, env: Record<string, string> = {}): Promise<Instance> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const full = {
    ...s.env,
    PATH: process.env.PATH!,
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    INTERNAL_URL: baseUrl,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    VAR_DIR: mkdtempSync(join(tmpdir(), 'portico-faults-var-')),
    ...env,
  };
  const child = spawn(process.execPath, ['server/main.ts'], { env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr.on('data', (d) => (out = (out + d).slice(-20_000)));
  const end = async (signal: NodeJS.Signals) => {
    const done = exited(child);
    child.kill(signal);
    await done;
  };
  cleanups.push(() => end('SIGKILL'));
  await until(`the instance on ${baseUrl} to be ready (output: ${out})`, async () => {
    if (child.exitCode !== null) throw new Error(`it exited:\n${out}`);
    return (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.ok;
  });
  return { baseUrl, env: full, kill: () => end('SIGKILL'), stop: () => end('SIGTERM'), output: () => out };
}

const run = promisify(execFile);

/** `portico …` as an operator runs it, with `--json`, on an instance's configuration (its database). */
export async function porticoJson<T = Record<string, unknown>>(env: Record<string, string>, ...args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, ['bin/portico.js', ...args, '--json'], { env: { ...env, LOG_LEVEL: 'warn' } });
  return JSON.parse(stdout) as T;
}

export const uniqueSlug = () => `faults-${randomBytes(4).toString('hex')}`;
