// The real parts, started once per test run: the embedded SecantusDB (or MONGODB_URI), an SMTP server, stripe-mock,
// and the Portico app.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { loadConfig, type Config } from '../../config/index.ts';
import { createApp } from '../../server/app.ts';
import { ensureCollections } from '../../lib/db.ts';
import { createLogger } from '../../lib/log.ts';
import { createMailer } from '../../lib/mailer.ts';
import { freePort, startLocalDatabase } from '../../scripts/db/launch.ts';
import { startStripeMock } from '../../scripts/stripe/launch.ts';
import { startStripeRecorder, type StripeCall } from './stripe-recorder.ts';
import { Mailbox } from './mailbox.ts';

export type Stack = {
  config: Config;
  env: Record<string, string>;
  baseUrl: string;
  mailbox: Mailbox;
  logs: string[];
  app: ReturnType<typeof createApp>;
  mongoUri: string;
  /** Every request that reached (mock) Stripe, in order. */
  stripeCalls: StripeCall[];
};

let starting: Promise<Stack> | undefined;
/** The test stack's bearer token for GET /metrics. */
export const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const stops: (() => Promise<void> | void)[] = [];

export function stack(): Promise<Stack> {
  starting ??= start();
  return starting;
}

async function start(): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-test-'));
  stops.push(() => rmSync(dir, { recursive: true, force: true }));

  let mongoUri = process.env.MONGODB_URI;
  if (!mongoUri) {
    const db = await startLocalDatabase({ dataDir: join(dir, 'db'), testCommands: true, onInstall: (m) => console.log(`    ${m}`) });
    stops.push(() => db.stop());
    mongoUri = db.uri;
  }
  // A fresh database per run, also when pointed at a shared server.
  const url = new URL(mongoUri);
  url.pathname = `/portico_test_${randomBytes(4).toString('hex')}`;
  mongoUri = url.toString();

  const mailbox = new Mailbox();
  await mailbox.start();
  stops.push(() => mailbox.stop());
  const stripeMock = await startStripeMock((m) => console.log(`    ${m}`));
  stops.push(() => stripeMock.stop());
  const stripe = await startStripeRecorder(stripeMock.url);
  stops.push(() => stripe.stop());

  const port = await freePort();
  const env = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    MONGODB_URI: mongoUri,
    SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
    MAIL_FROM: 'Portico Test <no-reply@portico.test>',
    MASTER_SECRET: randomBytes(32).toString('base64url'),
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'info',
    VAR_DIR: join(dir, 'var'),
    STRIPE_API_URL: stripe.url,
    METRICS_TOKEN: METRICS_TOKEN,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const log = createLogger('debug', {}, (line) => {
    logs.push(line);
    if (/"level":"error"/.test(line)) console.error(line);
  });

  await mongoose.connect(mongoUri, { monitorCommands: true });
  stops.push(() => mongoose.disconnect());
  const mailer = createMailer(config, log);
  const app = createApp(config, log, mailer);
  await ensureCollections(log);
  stops.push(() => app.changes.close());
  const server: Server = await new Promise((resolve) => {
    const s = app.app.listen(port, '127.0.0.1', () => resolve(s));
  });
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // an event stream a failed test left open would keep the run from ending
      }),
  );
  stops.push(() => mailer.close());
  return { config, env, baseUrl: config.publicUrl, mailbox, logs, app, mongoUri, stripeCalls: stripe.calls };
}

export async function stopStack(): Promise<void> {
  while (stops.length) await stops.pop()!();
}

/**
 * Another server process on the same database, issuer and secrets, as a second instance behind a load balancer
 * would be: nothing but the database is shared with the first. `env` changes its configuration (e.g. TRUST_PROXY).
 */
export async function secondInstance(
  s: Stack,
  env: Record<string, string> = {},
): Promise<{ baseUrl: string; adminUrl(t: { org: { slug: string } }): string; stop(): Promise<number | null>; output(): string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['server/main.ts'], {
    env: {
      ...s.env,
      PATH: process.env.PATH,
      PORT: String(port),
      INTERNAL_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never left running by a test that failed or timed out before stopping it.
  stops.push(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (
      await fetch(`${baseUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 400 || child.exitCode !== null) throw new Error(`the second instance did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    baseUrl,
    adminUrl: (t) => `${baseUrl}/${t.org.slug}/admin/v1`,
    /** SIGTERM, as an orchestrator stops an instance; answers its exit code. */
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      return child.exitCode;
    },
    output: () => out,
  };
}
