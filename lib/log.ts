// Structured JSON logs, one line per event. Values under secret-looking keys never reach the output. Fields of the
// work in hand (the request id) are added to every line logged while doing it, however deep the call.
import { AsyncLocalStorage } from 'node:async_hooks';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;
export type Logger = Record<Level, (msg: string, fields?: Fields) => void> & { child(fields: Fields): Logger };

const rank = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
const SECRET_KEY = /secret|password|token|authorization|cookie|^code$|^otp$|^key$/i;

export function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]));
}

const context = new AsyncLocalStorage<Fields>();

/** Runs `work` with `fields` on every log line written during it (by any logger). */
export const withLogFields = <T>(fields: Fields, work: () => T): T => context.run({ ...context.getStore(), ...fields }, work);

export function createLogger(
  level: Level | 'silent' = 'info',
  base: Fields = {},
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const emit =
    (lvl: Level) =>
    (msg: string, fields: Fields = {}) => {
      if (rank[lvl] < rank[level]) return;
      write(
        JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...(redact({ ...context.getStore(), ...base, ...fields }) as Fields) }),
      );
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}
