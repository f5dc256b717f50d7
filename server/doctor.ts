// `portico doctor`: what an operator checks before and after a deploy, each with what to do about it. Read-only.
import mongoose from 'mongoose';
import type { Config } from '../config/index.ts';
import { ALGORITHMS, privateJwks } from '../idp/keys/keyring.ts';
import { listOrganisations } from '../idp/organisations/service.ts';
import type { Secrets } from '../idp/secrets.ts';
import type { Mailer } from '../lib/mailer.ts';
import { getSettings, paymentsSealKey, testConnection } from '../portal/api/payments/settings.ts';

export type Finding = { check: string; ok: boolean; says: string; fix?: string };

const SKEW_MS = 5_000;
const within = <T>(ms: number, work: Promise<T>) =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref())]);
const reason = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);

export async function doctor(config: Config, secrets: Secrets, mailer: Mailer): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);

  add(
    config.env === 'production' && !config.publicUrl.startsWith('https://')
      ? {
          check: 'configuration',
          ok: false,
          says: `PUBLIC_URL is ${config.publicUrl} in production`,
          fix: 'serve Portico behind TLS and set PUBLIC_URL to its https:// address (cookies are Secure only then)',
        }
      : { check: 'configuration', ok: true, says: `${config.env}, ${config.publicUrl}` },
  );

  const db = mongoose.connection.db!;
  const hello = await db
    .admin()
    .command({ hello: 1 })
    .catch((err) => ({ error: reason(err) }));
  if ('error' in hello) {
    add({ check: 'database', ok: false, says: hello.error as string, fix: 'check MONGODB_URI and that the server is up' });
  } else {
    const replicaSet = typeof hello.setName === 'string';
    add(
      replicaSet
        ? { check: 'database', ok: true, says: `replica set ${hello.setName}, ${hello.isWritablePrimary ? 'primary' : 'not primary'}` }
        : {
            check: 'database',
            ok: false,
            says: 'not a replica set: transactions and change streams need one',
            fix: 'run MongoDB as a replica set (a single member is enough: mongod --replSet rs0, then rs.initiate())',
          },
    );
    const skew = hello.localTime instanceof Date ? Math.abs(hello.localTime.getTime() - Date.now()) : undefined;
    add(
      skew === undefined
        ? { check: 'clock', ok: true, says: 'the database does not say its time; not compared' }
        : skew <= SKEW_MS
          ? { check: 'clock', ok: true, says: `${skew} ms from the database's clock` }
          : {
              check: 'clock',
              ok: false,
              says: `${Math.round(skew / 1000)} s from the database's clock: codes, tokens and sessions expire at the wrong time`,
              fix: 'run NTP (chrony, systemd-timesyncd) on both machines',
            },
    );
  }

  await within(5_000, mailer.verify()).then(
    (says) => add({ check: 'smtp', ok: true, says }),
    (err) =>
      add({ check: 'smtp', ok: false, says: reason(err), fix: 'check SMTP_URL (host, port, user and password) and that this machine may reach it' }),
  );

  for (const org of await listOrganisations()) {
    const live = org.keys.filter((k) => k.status === 'current');
    const missing = ALGORITHMS.filter((alg) => !live.some((k) => k.alg === alg));
    let opens = true;
    try {
      privateJwks(org.keys, secrets.signingKeys);
    } catch {
      opens = false;
    }
    add(
      !opens
        ? {
            check: `keys ${org.slug}`,
            ok: false,
            says: 'the signing keys do not open with this MASTER_SECRET',
            fix: 'use the MASTER_SECRET the keys were made with (every instance the same)',
          }
        : missing.length
          ? {
              check: `keys ${org.slug}`,
              ok: false,
              says: `no current ${missing.join(', ')} signing key`,
              fix: `npx portico keys rotate --org ${org.slug}`,
            }
          : {
              check: `keys ${org.slug}`,
              ok: true,
              says: `${org.keys.length} keys (${live.length} signing, ${org.keys.filter((k) => k.status === 'next').length} next)`,
            },
    );
    if (!(await getSettings(org._id)).connected) continue;
    await within(15_000, testConnection(paymentsSealKey(config.masterSecret), org._id, config.stripeApiUrl)).then(
      ({ mode }) => add({ check: `stripe ${org.slug}`, ok: true, says: `connected, ${mode} mode` }),
      (err) =>
        add({
          check: `stripe ${org.slug}`,
          ok: false,
          says: reason(err),
          fix: `npx portico stripe connect --org ${org.slug}, with keys from Stripe's dashboard`,
        }),
    );
  }
  return findings;
}
