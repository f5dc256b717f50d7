// Configuration is read once, here, validated, and passed down. Nothing else reads process.env.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  INTERNAL_URL: z.url({ protocol: /^https?$/ }).optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Portico <no-reply@portico.localhost>'),
  MASTER_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)').optional(),
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  VAR_DIR: z.string().min(1).default('var'),
  SEED_DEMO: bool.optional(),
  STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  API_RATE_PER_CALLER: z.coerce.number().int().min(1).default(50),
  API_RATE_PER_ORG: z.coerce.number().int().min(1).default(200),
  METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  SIGN_IN_CODES_PER_NETWORK: z.coerce
    .number('must be a number')
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10_000, 'must be at most 10000 (each counted code is kept for an hour)')
    .default(1000),
  PRIVATE_CALLBACK_HOSTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9.-]+:\d{1,5}$|^\[[0-9a-f:.]+\]:\d{1,5}$/, 'must be host:port pairs, separated by commas'))),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Origin plus optional base path, no trailing slash: issuers are `${publicUrl}/<org-slug>`. */
  publicUrl: string;
  /** How this server reaches itself (JWKS for resource servers, the portal's calls to the APIs): no proxy, no TLS. */
  internalUrl: string;
  mongodbUri?: string;
  smtpUrl?: string;
  mailFrom: string;
  masterSecret: string;
  trustProxy: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  varDir: string;
  seedDemo: boolean;
  /** Where the Stripe SDK sends requests when not to Stripe itself: stripe-mock in tests and locally. */
  stripeApiUrl?: URL;
  /** API requests per second, per caller and per organisation, in each instance (bursts of twice as many). */
  apiRate: { caller: number; organisation: number };
  /** Bearer token for GET /metrics (Prometheus); without it /metrics is not served. */
  metricsToken?: string;
  /**
   * Sign-in codes sent an hour to one network (an IPv4 address, an IPv6 /64), all organisations together, and the
   * most any one organisation may allow (idp/otp/budgets.ts).
   */
  signInCodesPerNetwork: number;
  /**
   * Whether the identity provider may call apps on loopback and private addresses (their back-channel logout URIs):
   * for apps on the organisation's own network, and tests. Off, such calls are refused (no requests into our network).
   */
  /** host:port of apps on private networks the identity provider may call (back-channel logout). */
  privateCallbackHosts: string[];
};

export class ConfigError extends Error {}

/** Reads `.env` (when present) into the environment, without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** For entry points: `.env`, then the environment; on a problem, explains it and exits with `exitCode`. */
export function loadConfigOrExit(exitCode: number, prefix = ''): Config {
  loadDotEnv();
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${prefix}${err.message}\nSee README.md (Configuration) or .env.example.\n`);
    process.exit(exitCode);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (env.NODE_ENV === 'production') {
    for (const key of ['PUBLIC_URL', 'MONGODB_URI', 'SMTP_URL', 'MASTER_SECRET']) {
      if (!env[key]) problems.push(`  ${key}: required in production`);
    }
  }
  if (problems.length || !parsed.success) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  const e = parsed.data;
  const varDir = resolve(e.VAR_DIR);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    internalUrl: (e.INTERNAL_URL ?? `http://${loopbackFor(e.HOST)}:${e.PORT}`).replace(/\/+$/, ''),
    mongodbUri: e.MONGODB_URI,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    masterSecret: e.MASTER_SECRET ?? developmentSecret(varDir),
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    varDir,
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV === 'development',
    stripeApiUrl: e.STRIPE_API_URL ? new URL(e.STRIPE_API_URL) : undefined,
    apiRate: { caller: e.API_RATE_PER_CALLER, organisation: e.API_RATE_PER_ORG },
    metricsToken: e.METRICS_TOKEN,
    signInCodesPerNetwork: e.SIGN_IN_CODES_PER_NETWORK,
    privateCallbackHosts: e.PRIVATE_CALLBACK_HOSTS,
  };
}

/** The address to reach a server listening on `host` from the same machine. */
function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === 'localhost') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Outside production a missing master secret is generated once and kept under var/, so restarts keep keys readable. */
function developmentSecret(varDir: string): string {
  const file = join(varDir, 'master-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(varDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
