// Validates a compose file without Docker: scripts/compose/main.go loads it with compose-go, the library Docker
// Compose itself loads and validates with (what `docker compose config` does), pinned in go.mod and go.sum. Built
// with `go build` into the user cache on first use (seconds; the modules come from the Go module proxy), like
// stripe-mock (scripts/stripe/launch.ts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goBinary } from '../go-build.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The checker's binary, named by a hash of its source and pinned modules, so a change rebuilds it. */
export function composeCheckBinary(): string {
  const hash = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(HERE, f)));
  return goBinary({
    folder: `compose-check-${hash.digest('hex').slice(0, 12)}`,
    name: 'compose-check',
    what: 'the compose checker',
    build: (into) => ({ args: ['build', '-o', join(into, 'compose-check'), '.'], env: { GOFLAGS: '-mod=readonly' } }),
    cwd: HERE,
  });
}

/** A service as compose-go resolves it (short syntax expanded, variables interpolated); the fields we read. */
export type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | null;
  environment?: Record<string, string | null>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[];
  ports?: { target: number; published?: string; host_ip?: string; protocol?: string }[];
  configs?: { source: string; target: string }[];
  depends_on?: Record<string, { condition: string }>;
  networks?: Record<string, unknown>;
  read_only?: boolean;
};
export type ComposeProject = {
  name: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { file?: string }>;
  networks?: Record<string, { internal?: boolean }>;
};

/** Loads `file` with variables from `envFiles` only (not this machine's environment): the project, or compose-go's error. */
export function loadCompose(file: string, envFiles: string[] = []): { project: ComposeProject } | { error: string } {
  const run = spawnSync(composeCheckBinary(), [file, ...envFiles], { encoding: 'utf8', env: {} });
  if (run.error) throw run.error;
  return run.status === 0 ? { project: JSON.parse(run.stdout) as ComposeProject } : { error: run.stderr.trim() };
}
