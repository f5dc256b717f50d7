// A Go program built once into the user cache: in a temporary folder, then renamed into place, so concurrent first
// runs are safe (the loser of the rename uses the winner's). Used for stripe-mock and the compose checker.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './db/launch.ts';

type GoBuild = { args: string[]; env?: Record<string, string> };

/**
 * `<cache>/<folder>/<name>`, built when missing by the `go` command `build` gives for the temporary folder to build
 * into (as `-o` or GOBIN), run in `cwd`. `what` names it in the error when Go is missing or the build fails.
 */
export function goBinary(options: { folder: string; name: string; what: string; build: (into: string) => GoBuild; cwd?: string }): string {
  const home = join(cacheDir(), options.folder);
  const binary = join(home, options.name);
  if (existsSync(binary)) return binary;
  const tmp = `${home}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const { args, env } = options.build(tmp);
  const built = spawnSync('go', args, {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, GOPATH: process.env.GOPATH ?? join(cacheDir(), 'go'), CGO_ENABLED: '0', ...env },
  });
  if (built.error || built.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`building ${options.what} failed (it needs Go, https://go.dev/doc/install):\n${built.stderr || built.error}`);
  }
  try {
    renameSync(tmp, home);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(binary)) throw err; // else a concurrent builder won the rename
  }
  return binary;
}
