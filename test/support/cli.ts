// The `portico` command run as an operator would, on the test stack's configuration and database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Stack } from './stack.ts';

const run = promisify(execFile);

export type Ran = { code: number; stdout: string; stderr: string };

export const portico = (s: Stack, ...args: string[]): Promise<Ran> => porticoWith(s, {}, ...args);

/** `portico` with more environment (keys an operator exports rather than types as options). */
export function porticoWith(s: Stack, extra: Record<string, string>, ...args: string[]): Promise<Ran> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...s.env, LOG_LEVEL: 'warn', ...extra };
  return run(process.execPath, ['bin/portico.js', ...args], { env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err) => ({ code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string }),
  );
}
