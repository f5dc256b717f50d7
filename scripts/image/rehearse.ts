// Rehearses the image without Docker: reads ./Dockerfile and carries out its steps, the same commands, with each
// stage's root in a temporary folder (an absolute path such as /app lands inside it): WORKDIR makes the folder,
// COPY copies from the build context (less .dockerignore) or from an earlier stage, RUN runs the line with
// `sh -c` there, ENV sets what later steps and the server see. Then it starts the final stage's CMD against a
// database, waits until the Dockerfile's HEALTHCHECK command passes, and checks what the image must serve.
// Node is this process's (24, as in the image); npm reads its cache first, so a rehearsal costs seconds.
// Run: node scripts/image/rehearse.ts [--keep]   (or through test/deploy/image.test.ts)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exited, freePort, startLocalDatabase } from '../db/launch.ts';
import { parseDockerfile, parseEnv, type Stage } from './dockerfile.ts';
import { dockerIgnore } from './dockerignore.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Built = {
  /** The final stage's root: the image's file system, as far as the Dockerfile made it. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  cmd: string[];
  healthcheck: string[];
  /** Each step as written, with how long it took. */
  steps: { stage: number; step: string; ms: number }[];
};

type StageState = { root: string; workdir: string; env: Record<string, string> };

/** What RUN lines see besides the stage's ENV: this Node first on PATH, a HOME for npm's cache, the cache first. */
function baseEnv(): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: process.env.HOME ?? tmpdir(),
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };
}

/** Carries out the Dockerfile's build steps under `into`; throws at the first step that fails, naming it. */
export function buildImage(options: { dockerfile?: string; context?: string; into: string; log?: (msg: string) => void }): Built {
  const context = options.context ?? ROOT;
  const dockerfile = options.dockerfile ?? join(context, 'Dockerfile');
  const stages: Stage[] = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  const ignorePath = join(context, '.dockerignore');
  const ignored = existsSync(ignorePath) ? dockerIgnore(readFileSync(ignorePath, 'utf8')) : () => false;
  const log = options.log ?? (() => {});
  const states: StageState[] = [];
  const steps: Built['steps'] = [];
  let user: string | undefined;
  let cmd: string[] = [];
  let healthcheck: string[] = [];

  stages.forEach((stage, index) => {
    const state: StageState = { root: join(options.into, `stage-${index}${stage.name ? `-${stage.name}` : ''}`), workdir: '/', env: {} };
    mkdirSync(state.root, { recursive: true });
    states.push(state);
    const inImage = (p: string) => join(state.root, resolve(state.workdir, p));
    for (const ins of stage.instructions) {
      const step = `${ins.op} ${Object.entries(ins.flags)
        .map(([k, v]) => `--${k}=${v} `)
        .join('')}${ins.rest}`;
      log(`[${index}] ${step}`);
      const started = performance.now();
      switch (ins.op) {
        case 'WORKDIR':
          state.workdir = resolve(state.workdir, ins.rest);
          mkdirSync(inImage('.'), { recursive: true });
          break;
        case 'ENV':
          Object.assign(state.env, parseEnv(ins.rest));
          break;
        case 'COPY': {
          const words = ins.exec ?? ins.rest.split(/\s+/);
          const [sources, dest] = [words.slice(0, -1), words.at(-1)!];
          const from = ins.flags.from;
          const fromState = from === undefined ? undefined : states[stages.findIndex((s, i) => s.name === from || String(i) === from)];
          if (from !== undefined && !fromState) throw new Error(`Dockerfile line ${ins.line}: no earlier stage ${from}`);
          const target = inImage(dest);
          for (const source of sources) {
            const src = fromState ? join(fromState.root, resolve('/', source)) : join(context, source);
            if (!existsSync(src)) throw new Error(`Dockerfile line ${ins.line}: ${source} does not exist`);
            // A folder's contents go into the destination; a file goes into it when it names a folder.
            const to = statSync(src).isDirectory() || !(dest.endsWith('/') || sources.length > 1) ? target : join(target, basename(src));
            cpSync(src, to, {
              recursive: true,
              verbatimSymlinks: true,
              filter: (path) => fromState !== undefined || relative(context, path) === '' || !ignored(relative(context, path)),
            });
          }
          break;
        }
        case 'RUN': {
          const [command, args] = ins.exec ? [ins.exec[0]!, ins.exec.slice(1)] : ['sh', ['-c', ins.rest]];
          const run = spawnSync(command, args, {
            cwd: inImage('.'),
            env: { ...baseEnv(), ...state.env },
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          });
          if (run.error || run.status !== 0)
            throw new Error(
              `Dockerfile line ${ins.line}: ${step} failed (${run.error ?? `exit ${run.status}`}):\n${(run.stdout + run.stderr).slice(-4000)}`,
            );
          break;
        }
        case 'USER':
          user = ins.rest; // the rehearsal runs as whoever runs it; the name is reported
          break;
        case 'CMD':
          if (!ins.exec) throw new Error(`Dockerfile line ${ins.line}: write CMD in exec form (a JSON array), so signals reach Node`);
          cmd = ins.exec;
          break;
        case 'HEALTHCHECK':
          if (!ins.exec) throw new Error(`Dockerfile line ${ins.line}: write the HEALTHCHECK's CMD in exec form`);
          healthcheck = ins.exec;
          break;
        case 'EXPOSE':
          break;
        default:
          throw new Error(
            `Dockerfile line ${ins.line}: the rehearsal does not carry out ${ins.op}; teach scripts/image/rehearse.ts or use WORKDIR, COPY, RUN, ENV`,
          );
      }
      steps.push({ stage: index, step, ms: Math.round(performance.now() - started) });
    }
  });
  const last = states.at(-1)!;
  return { root: last.root, workdir: join(last.root, last.workdir), env: last.env, user, cmd, healthcheck, steps };
}

export type Rehearsal = Built & {
  /** How many times the HEALTHCHECK command ran before it passed. */
  healthChecks: number;
  /** The answers the started image gave. */
  served: { discovery: number; asset: number; assetType: string | null; admin: number; adminLocation: string | null };
  /** The server's exit code after SIGTERM (0: a graceful shutdown). */
  exitCode: number | null;
};

/**
 * Builds the image in a temporary folder, starts it on the embedded database and checks that it serves. The folder
 * is removed afterwards unless `keep`, or unless it is the caller's (`into`).
 */
export async function rehearse(options: { into?: string; keep?: boolean; log?: (msg: string) => void } = {}): Promise<Rehearsal> {
  const log = options.log ?? (() => {});
  const into = options.into ?? mkdtempSync(join(tmpdir(), 'portico-image-'));
  // MONGODB_URI when set (as the tests take it), in a fresh database; else the embedded one.
  const database = process.env.MONGODB_URI
    ? { uri: process.env.MONGODB_URI, stop: async () => {} }
    : await startLocalDatabase({ dataDir: join(into, 'db') });
  const databaseUri = new URL(database.uri);
  databaseUri.pathname = `/portico_image_${randomBytes(4).toString('hex')}`;
  let server: ChildProcess | undefined;
  try {
    const built = buildImage({ into: join(into, 'image'), log });
    const port = await freePort();
    // The stack's required settings; HOST on loopback so the rehearsal is reachable from this machine only.
    const env = {
      ...baseEnv(),
      ...built.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      MONGODB_URI: databaseUri.toString(),
      SMTP_URL: 'smtp://127.0.0.1:25',
      MASTER_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'warn',
    };
    let output = '';
    log(`starting ${built.cmd.join(' ')} in ${built.workdir}`);
    server = spawn(built.cmd[0]!, built.cmd.slice(1), { cwd: built.workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d: Buffer) => {
      output = (output + d.toString()).slice(-8000);
    };
    server.stdout!.on('data', collect);
    server.stderr!.on('data', collect);

    // Docker's way: run the health check command until it passes (bounded, as its start period and retries are).
    let healthChecks = 0;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the image's CMD exited with ${server.exitCode}:\n${output}`);
      healthChecks++;
      const check = spawnSync(built.healthcheck[0]!, built.healthcheck.slice(1), { cwd: built.workdir, env, encoding: 'utf8', timeout: 5000 });
      if (check.status === 0) break;
      if (healthChecks >= 120) throw new Error(`the HEALTHCHECK never passed:\n${check.stderr}\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
    }

    // The administration path the README documents (`docker compose exec portico-1 node bin/portico.js …`).
    const org = spawnSync('node', ['bin/portico.js', 'org', 'create', '--slug', 'rehearsal', '--name', 'Rehearsal', '--json'], {
      cwd: built.workdir,
      env,
      encoding: 'utf8',
    });
    if (org.status !== 0) throw new Error(`portico org create failed:\n${org.stderr}${org.stdout}`);
    const base = `http://127.0.0.1:${port}`;
    const discovery = await fetch(`${base}/rehearsal/.well-known/openid-configuration`);
    const manifest = JSON.parse(readFileSync(join(built.workdir, 'portal/web/dist/manifest.json'), 'utf8')) as { js: string };
    const asset = await fetch(`${base}/assets/portal/${manifest.js}`);
    // The admin console of an organisation made by the command line: it sends a visitor to sign in.
    const admin = await fetch(`${base}/rehearsal/admin`, { redirect: 'manual' });
    await Promise.all([discovery.arrayBuffer(), asset.arrayBuffer(), admin.arrayBuffer()]);

    const done = exited(server);
    server.kill('SIGTERM');
    await done;
    return {
      ...built,
      healthChecks,
      served: {
        discovery: discovery.status,
        asset: asset.status,
        assetType: asset.headers.get('content-type'),
        admin: admin.status,
        adminLocation: admin.headers.get('location'),
      },
      exitCode: server.exitCode,
    };
  } finally {
    if (server && server.exitCode === null && server.signalCode === null) {
      const done = exited(server);
      server.kill('SIGKILL');
      await done;
    }
    await database.stop();
    if (options.keep) log(`kept ${into}`);
    else if (!options.into) rmSync(into, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  rehearse({ keep: process.argv.includes('--keep'), log: (msg) => console.log(msg) }).then(
    (r) => {
      for (const s of r.steps) console.log(`${String(s.ms).padStart(7)} ms  [${s.stage}] ${s.step.slice(0, 100)}`);
      console.log(
        `health check passed after ${r.healthChecks} run(s); discovery ${r.served.discovery}, portal asset ${r.served.asset}, admin ${r.served.admin} → ${r.served.adminLocation}; exit ${r.exitCode} after SIGTERM`,
      );
      console.log(`rehearsed in ${Math.round(performance.now() - started)} ms`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
