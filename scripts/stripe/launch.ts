// stripe-mock, Stripe's own mock of its API (built from Stripe's OpenAPI description): the Stripe that the tests and
// the local default talk to. Built with `go install` at a pinned version into the user cache (first run only, about
// a minute), started on a free port, stopped with its parent. It is stateless: what Portico shows comes from its own
// database, never from stripe-mock.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, exited, freePort, waitUntilListening } from '../db/launch.ts';
import { goBinary } from '../go-build.ts';

export const STRIPE_MOCK_VERSION = 'v0.203.0';

/** The pinned stripe-mock binary; built when missing (scripts/go-build.ts: concurrent starters are safe). */
export function stripeMockBinary(onInstall: (msg: string) => void = () => {}): string {
  const folder = `stripe-mock-${STRIPE_MOCK_VERSION}`;
  if (!existsSync(join(cacheDir(), folder, 'stripe-mock')))
    onInstall(`building stripe-mock ${STRIPE_MOCK_VERSION} into ${join(cacheDir(), folder)} (first run only)`);
  return goBinary({
    folder,
    name: 'stripe-mock',
    what: 'stripe-mock',
    build: (into) => ({ args: ['install', `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`], env: { GOBIN: into } }),
  });
}

export type StripeMock = { url: string; stop(): Promise<void> };

/** Starts stripe-mock on a free loopback port; `url` is where the Stripe SDK should send its requests. */
export async function startStripeMock(onInstall?: (msg: string) => void): Promise<StripeMock> {
  const binary = stripeMockBinary(onInstall);
  const [port, tlsPort] = [await freePort(), await freePort()];
  // It always serves HTTPS too (on 12112 unless told, taken by any other stripe-mock), and would listen on PORT,
  // which is the app's: both get addresses of their own.
  const { PORT: _appPort, ...env } = process.env;
  const child = spawn(binary, ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${tlsPort}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  // It has no lifeline of its own: it goes when this process does, however that ends short of SIGKILL.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  await waitUntilListening(child, port, () => output, 'stripe-mock');
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      process.off('exit', orphaned);
      const done = exited(child);
      child.kill('SIGTERM');
      await done;
    },
  };
}
