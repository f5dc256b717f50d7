// A real SMTP server in the test process: nodemailer delivers to it over TCP and tests read what arrived.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type Received = { to: string; subject: string; text: string; html: string; at: number };

export class Mailbox {
  readonly messages: Received[] = [];
  #waiters: { to: string; after: number; resolve: (m: Received) => void }[] = [];
  #server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then((mail) => {
          for (const rcpt of session.envelope.rcptTo) {
            this.#deliver({
              to: rcpt.address.toLowerCase(),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              at: Date.now(),
            });
          }
          callback();
        })
        .catch(callback);
    },
  });
  port = 0;
  #stopped = false;

  /** Listens on `port` (any free one by default; the same one again, to bring a stopped mailbox back). */
  async start(port = 0): Promise<void> {
    if (this.#stopped) this.#server = new SMTPServer(this.#server.options); // a closed server turns connections away
    this.#stopped = false;
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.#server.server.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#stopped = true;
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #deliver(message: Received) {
    this.messages.push(message);
    for (const w of [...this.#waiters]) {
      if (w.to === message.to && message.at >= w.after) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(message);
      }
    }
  }

  /** The next message to `to` that arrives after `after` (default: now), or a rejection after 10 s. */
  next(to: string, after = Date.now()): Promise<Received> {
    to = to.toLowerCase();
    const already = this.messages.find((m) => m.to === to && m.at >= after);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const waiter = { to, after, resolve };
      this.#waiters.push(waiter);
      setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) {
          this.#waiters.splice(i, 1);
          reject(new Error(`no mail to ${to} within 10 s`));
        }
      }, 10_000).unref();
    });
  }

  /** Messages to `to` so far. */
  to(to: string): Received[] {
    return this.messages.filter((m) => m.to === to.toLowerCase());
  }
}

export function codeFrom(mail: Received): string {
  const match = /\b(\d{6})\b/.exec(mail.text);
  if (!match) throw new Error(`no code in mail: ${mail.text}`);
  return match[1]!;
}
