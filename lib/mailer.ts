// Outgoing mail through nodemailer over SMTP. Without SMTP_URL (development only) messages go to <var>/outbox and the log.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config/index.ts';
import { ServiceUnavailable } from './errors.ts';
import type { Logger } from './log.ts';

export type Mail = { to: string; subject: string; text: string; html: string };
/**
 * `verify`: whether mail can be sent, in plain words (throws when it cannot). `ready`: throws MailUnavailable when
 * mail cannot be sent now, so a code is not issued (and its sender's budget spent) for a mail that cannot go.
 */
export type Mailer = { send(mail: Mail): Promise<void>; verify(): Promise<string>; ready(): Promise<void>; close(): void };

/** The mail server is not taking mail: nothing was sent, and trying again later is the answer. */
export class MailUnavailable extends ServiceUnavailable {
  constructor() {
    super('We cannot send email right now, so no code was sent. Please try again in a few minutes.', 60);
  }
}

/** How long a send or a check that worked vouches for the mail server, before the next code request checks again. */
const VOUCHED_MS = 5_000;
/** A check that takes longer than this says the server is not answering. */
const CHECK_MS = 5_000;

/**
 * The mail server's health as sends and checks find it: a code request after a quiet spell or a failure checks
 * (one check at a time, shared by the requests waiting); while sends keep working, none does.
 */
function health(verify: () => Promise<unknown>, log: Logger) {
  let vouchedAt = 0;
  let checking: Promise<boolean> | undefined;
  const check = () =>
    (checking ??= Promise.race([verify().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), CHECK_MS).unref())])
      .catch((err: unknown) => {
        log.warn('the mail server is not taking mail', { err });
        return false;
      })
      .then((ok) => {
        vouchedAt = ok ? Date.now() : 0;
        checking = undefined;
        return ok;
      }));
  return {
    worked: () => {
      vouchedAt = Date.now();
    },
    failed: () => {
      vouchedAt = 0;
    },
    async ready() {
      if (Date.now() - vouchedAt < VOUCHED_MS) return;
      if (!(await check())) throw new MailUnavailable();
    },
  };
}

export function createMailer(config: Config, log: Logger): Mailer {
  if (config.smtpUrl) {
    // Pooled connections unless the URL says otherwise: a TLS handshake per code would dominate sign-in latency.
    const url = new URL(config.smtpUrl);
    if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
    const transport = nodemailer.createTransport(url.toString(), { from: config.mailFrom });
    const known = health(() => transport.verify(), log);
    return {
      async send(mail) {
        await transport.sendMail(mail).then(known.worked, (err: unknown) => {
          known.failed();
          throw err;
        });
      },
      ready: known.ready,
      async verify() {
        await transport.verify();
        return `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)} accepts mail`;
      },
      close: () => transport.close(),
    };
  }
  if (config.env === 'production') throw new Error('SMTP_URL is required in production');
  const outbox = join(config.varDir, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: config.mailFrom });
  return {
    async send(mail) {
      const info = await transport.sendMail(mail);
      mkdirSync(outbox, { recursive: true });
      const file = join(outbox, `${Date.now()}-${info.messageId.replace(/[^\w.-]/g, '')}.eml`);
      writeFileSync(file, info.message as Buffer);
      // Development only: the message body is in the log so a developer can sign in without a mail server.
      log.info('mail written to outbox (no SMTP_URL configured)', { to: mail.to, subject: mail.subject, file, text: mail.text });
    },
    verify: async () => `no SMTP_URL: mail is written to ${outbox} (development only)`,
    ready: async () => undefined,
    close: () => transport.close(),
  };
}
