// `portico`: administration from the command line, on the same configuration and database as `npm start`.
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { loadConfigOrExit } from '../config/index.ts';
import { connectDatabase } from '../lib/db.ts';
import { HttpError } from '../lib/errors.ts';
import { createLogger } from '../lib/log.ts';
import { reset } from '../lib/rate-limit.ts';
import { createClient, listClients } from '../idp/clients/service.ts';
import { normaliseEmail } from '../idp/customers/service.ts';
import { budgetOf, checkGate } from '../idp/otp/budgets.ts';
import { createDeviceLink } from '../idp/otp/devices.ts';
import { emailAddress } from '../idp/otp/service.ts';
import { createOrganisation, listOrganisations, requireOrganisation, rotateKeys } from '../idp/organisations/service.ts';
import { networkLimitsInput, networkLimitsOf, networkLimitsView, setNetworkLimits } from '../idp/organisations/network-limits.ts';
import { setStaffRole, staffView } from '../idp/organisations/staff.ts';
import { STAFF_ROLES, type StaffRole } from '../lib/resources.ts';
import type { Organisation } from '../idp/organisations/model.ts';
import { issuerFor } from '../idp/provider/configuration.ts';
import { createSecrets } from '../idp/secrets.ts';
import { paymentsSealKey, settingsInput, testConnection, updateSettings } from '../portal/api/payments/settings.ts';
import { validate } from '../lib/http.ts';
import { createMailer } from '../lib/mailer.ts';
import { doctor } from './doctor.ts';
import { webhookEvents } from '../portal/api/payments/webhook.ts';

const USAGE = `Usage: portico <command> [options] [--json]

  org create --slug <slug> --name <name> [--admin <email>] [--no-self-signup]
  org list
  client create --org <slug> --name <name> --redirect-uri <uri> [--redirect-uri <uri>...]
                [--post-logout-uri <uri>...] [--public] [--first-party]
  client create --org <slug> --name <name> --grant client_credentials [--admin-role owner|admin|staff]
  staff grant --org <slug> --email <email> --role owner|admin|staff
  client list --org <slug>
  keys rotate --org <slug>
  sign-in unlock --org <slug> --email <email>
  sign-in trust-browser --org <slug> --email <email>
  sign-in limits --org <slug> [--codes-per-hour <n>] [--challenge-after <n>]
                 codes an hour to one network; past --challenge-after (at most 100), each needs a proof of work
  doctor          checks configuration, database, clock, SMTP, signing keys and Stripe; says what to fix
  stripe connect --org <slug> [--currency GBP] [--invoice-prefix HDS]
                 keys from STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET
                 (the environment, not options: they would stay in the shell's history)

Uses the same configuration (.env, environment) and database as \`npm start\`.`;

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    slug: { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'string' },
    org: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-uri': { type: 'string', multiple: true },
    public: { type: 'boolean' },
    'first-party': { type: 'boolean' },
    grant: { type: 'string' },
    'admin-role': { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    'no-self-signup': { type: 'boolean' },
    currency: { type: 'string' },
    'invoice-prefix': { type: 'string' },
    'codes-per-hour': { type: 'string' },
    'challenge-after': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

/** A mistake in the command or its input: reported in one line, exit code 2, nothing half-done. */
class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

function need(name: 'slug' | 'name' | 'org' | 'email' | 'role'): string {
  return opts[name] ?? fail(`--${name} is required\n\n${USAGE}`);
}

/** --email, normalised as sign-in does, and checked. */
function needEmail(): string {
  const email = normaliseEmail(need('email'));
  if (!emailAddress.safeParse(email).success) fail(`--email: "${email}" is not an email address`);
  return email;
}

function print(human: Record<string, unknown> | Record<string, unknown>[], json: unknown = human) {
  if (opts.json) return process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  const rows = Array.isArray(human) ? human : [human];
  if (rows.length === 0) return process.stdout.write('(none)\n');
  process.stdout.write(
    `${rows
      .map((r) =>
        Object.entries(r)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
          .join('\n'),
      )
      .join('\n\n')}\n`,
  );
}

const command = positionals.join(' ');
if (opts.help || !command) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(opts.help ? 0 : 2);
}

const config = loadConfigOrExit(2, 'portico: ');
const log = createLogger(config.logLevel === 'debug' ? 'debug' : 'warn', {}, (line) => process.stderr.write(`${line}\n`));
const secrets = createSecrets(config.masterSecret);
const orgView = (o: Organisation) => ({ slug: o.slug, name: o.name, issuer: issuerFor(config, o), selfSignUp: o.settings.selfSignUp, id: o._id });

const db = await connectDatabase(config, log);
try {
  switch (command) {
    case 'org create': {
      const org = await createOrganisation(secrets, {
        slug: need('slug'),
        name: need('name'),
        admin: opts.admin,
        selfSignUp: !opts['no-self-signup'],
      });
      print(orgView(org));
      break;
    }
    case 'org list':
      print((await listOrganisations()).map(orgView));
      break;
    case 'client create': {
      const org = await requireOrganisation(need('org'));
      if (opts.grant && opts.grant !== 'client_credentials') fail('--grant only accepts client_credentials');
      const client = await createClient(secrets, org._id, {
        name: need('name'),
        kind: opts.grant ? 'machine' : opts.public ? 'public' : 'web',
        redirectUris: opts['redirect-uri'] ?? [],
        postLogoutRedirectUris: opts['post-logout-uri'] ?? [],
        firstParty: Boolean(opts['first-party']),
        adminRole: opts['admin-role'] as StaffRole | undefined,
      });
      print(
        { ...client, issuer: issuerFor(config, org), ...(client.clientSecret ? { note: 'the secret is shown only now; store it safely' } : {}) },
        { ...client, issuer: issuerFor(config, org) },
      );
      break;
    }
    case 'client list': {
      const org = await requireOrganisation(need('org'));
      print(await listClients(org._id));
      break;
    }
    case 'staff grant': {
      const role = need('role');
      if (!(STAFF_ROLES as readonly string[]).includes(role)) fail('--role must be owner, admin or staff');
      const email = needEmail();
      const slug = need('org');
      await setStaffRole(slug, email, role as StaffRole, undefined);
      print((await requireOrganisation(slug)).staff.map(staffView));
      break;
    }
    case 'keys rotate': {
      const org = await rotateKeys(secrets, need('org'));
      const keys = org.keys.map((k) => ({ kid: k.kid, alg: k.alg, status: k.status }));
      print(keys, { org: org.slug, keysVersion: org.keysVersion, keys });
      break;
    }
    case 'sign-in unlock': {
      // The address's shared sign-in budget: its sends and its checks (idp/otp/budgets.ts). Codes it voided stay void.
      const org = await requireOrganisation(need('org'));
      const email = needEmail();
      const budget = budgetOf('sign-in', email);
      const lifted = (await Promise.all([reset(org._id, budget), reset(org._id, checkGate(org._id, budget).key)])).some(Boolean);
      print({ org: org.slug, email, lifted, note: lifted ? 'any browser can ask for a code again' : 'nothing was limited' });
      break;
    }
    case 'sign-in trust-browser': {
      const org = await requireOrganisation(need('org'));
      const email = needEmail();
      const { token, expiresAt } = await createDeviceLink(secrets.devices, org._id, email);
      const made = {
        org: org.slug,
        email,
        link: `${issuerFor(config, org)}/interaction/trust-browser?token=${token}`,
        expiresAt: expiresAt.toISOString(),
      };
      print({ ...made, note: 'works once; give it only to the person, once you know it is them' }, made);
      break;
    }
    case 'sign-in limits': {
      // Shown, or changed under the same rules as the Admin API's (idp/organisations/network-limits.ts).
      const org = await requireOrganisation(need('org'));
      const number = (flag: 'codes-per-hour' | 'challenge-after') =>
        opts[flag] === undefined ? undefined : /^\d+$/.test(opts[flag]) ? Number(opts[flag]) : fail(`--${flag} must be a whole number`);
      const input = validate(networkLimitsInput, { codesPerHour: number('codes-per-hour'), challengeAfter: number('challenge-after') });
      const changing = input.codesPerHour !== undefined || input.challengeAfter !== undefined;
      const limits = changing ? (await setNetworkLimits(org.slug, input, config.signInCodesPerNetwork)).after : networkLimitsOf(org);
      const { defaults, ...shown } = networkLimitsView(limits, config.signInCodesPerNetwork);
      print({ org: org.slug, ...shown }, { org: org.slug, ...shown, defaults });
      break;
    }
    case 'doctor': {
      const mailer = createMailer(config, log);
      try {
        const findings = await doctor(config, secrets, mailer);
        if (opts.json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
        else
          for (const f of findings)
            process.stdout.write(`${f.ok ? '✔' : '✘'} ${f.check.padEnd(20)} ${f.says}${f.fix ? `\n  ${''.padEnd(20)} fix: ${f.fix}` : ''}\n`);
        if (findings.some((f) => !f.ok)) process.exitCode = 1;
      } finally {
        mailer.close();
      }
      break;
    }
    case 'stripe connect': {
      // Same rules as the console's Payments page: the keys are validated, sealed, tested against Stripe.
      const org = await requireOrganisation(need('org'));
      const env = process.env;
      const input = validate(settingsInput, {
        secretKey: env.STRIPE_SECRET_KEY || undefined,
        publishableKey: env.STRIPE_PUBLISHABLE_KEY || undefined,
        webhookSecret: env.STRIPE_WEBHOOK_SECRET || undefined,
        currency: opts.currency,
        invoicePrefix: opts['invoice-prefix'],
      });
      const sealKey = paymentsSealKey(config.masterSecret);
      const { after } = await updateSettings(sealKey, org._id, input);
      const { mode } = await testConnection(sealKey, org._id, config.stripeApiUrl);
      const webhook = `${issuerFor(config, org)}/stripe/webhook`;
      print({
        connected: after.connected,
        mode,
        secretKey: after.secretKey,
        publishableKey: after.publishableKey,
        webhookSecret: after.webhookSecretSet ? 'set' : 'not set: add the endpoint below in Stripe and set STRIPE_WEBHOOK_SECRET',
        currency: after.currency,
        invoicePrefix: after.invoicePrefix,
        webhookUrl: webhook,
        webhookEvents,
      });
      break;
    }
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
} catch (err) {
  const message =
    err instanceof ZodError
      ? err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('\n')
      : err instanceof UsageError || err instanceof HttpError
        ? err.message
        : undefined;
  if (message === undefined) throw err;
  process.stderr.write(`portico: ${message}\n`);
  process.exitCode = 2;
} finally {
  await db.close();
}
