// Outgoing mail through nodemailer over SMTP. Without SMTP_URL (development only) messages go to <var>/outbox and the log.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config/index.ts';
import type { Logger } from './log.ts';

export type Mail = { to: string; subject: string; text: string; html: string };
/** `verify`: whether mail can be sent, in plain words (throws when it cannot). */
export type Mailer = { send(mail: Mail): Promise<void>; verify(): Promise<string>; close(): void };

export function createMailer(config: Config, log: Logger): Mailer {
  if (config.smtpUrl) {
    // Pooled connections unless the URL says otherwise: a TLS handshake per code would dominate sign-in latency.
    const url = new URL(config.smtpUrl);
    if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
    const transport = nodemailer.createTransport(url.toString(), { from: config.mailFrom });
    return {
      async send(mail) {
        await transport.sendMail(mail);
      },
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
    close: () => transport.close(),
  };
}
