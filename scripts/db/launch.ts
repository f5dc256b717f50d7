// Local MongoDB-compatible database for development and tests: SecantusDB (MongoDB's wire protocol on WiredTiger,
// MongoDB's own storage engine; a single-node replica set, so transactions and change streams work), pinned and
// installed from PyPI into a Python virtual environment in the user's cache on first use. It runs as a separate
// process (it is GPL-2.0: used, never linked or shipped) and ends with the Node process that started it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SECANTUS_VERSION = '0.7.0b3';
const HERE = dirname(fileURLToPath(import.meta.url));
const WRAPPER = join(HERE, 'run-secantus.py');
const CONFIG = join(HERE, 'secantusd.toml'); // explicit, so no stray secantusd.toml elsewhere applies
const PYTHON = process.env.PYTHON ?? 'python3';

export type Database = { uri: string; stop(): Promise<void> };
export type LocalDatabase = Database & { pid: number; port: number; kill(): Promise<void> };

export class EmbeddedDatabaseUnavailable extends Error {}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'portico');
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });

/**
 * The Python interpreter of a virtual environment holding the pinned SecantusDB; creates it when missing (first
 * run only, about half a minute). Built in a temporary folder and renamed, so concurrent starters never see half
 * of one. The folder is named by the interpreter's version too: a virtual environment belongs to one.
 */
export function secantusPython(onInstall: (msg: string) => void = () => {}): string {
  const probe = run(PYTHON, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  if (probe.error || probe.status !== 0) throw new EmbeddedDatabaseUnavailable(`${PYTHON} is not installed (SecantusDB needs Python 3.10 or newer).`);
  const pyVersion = probe.stdout.trim();
  const [major, minor] = pyVersion.split('.').map(Number);
  if (major! < 3 || (major === 3 && minor! < 10))
    throw new EmbeddedDatabaseUnavailable(`SecantusDB needs Python 3.10 or newer; ${PYTHON} is ${pyVersion}.`);

  const home = join(cacheDir(), `secantusdb-${SECANTUS_VERSION}-py${pyVersion}`);
  const python = join(home, 'bin', 'python');
  if (existsSync(join(home, 'installed'))) return python;

  onInstall(`installing the embedded database, SecantusDB ${SECANTUS_VERSION}, into ${home} (first run only)`);
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${home}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const steps: [string, string[]][] = [
    [PYTHON, ['-m', 'venv', tmp]],
    [join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', `SecantusDB==${SECANTUS_VERSION}`]],
  ];
  for (const [cmd, args] of steps) {
    const result = run(cmd, args);
    if (result.status !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      const hint = args[1] === 'venv' ? ' (on Debian: apt-get install python3-venv)' : '';
      throw new EmbeddedDatabaseUnavailable(`installing SecantusDB failed at \`${cmd} ${args.join(' ')}\`${hint}:\n${result.stderr || result.error}`);
    }
  }
  writeFileSync(join(tmp, 'installed'), `SecantusDB==${SECANTUS_VERSION}\n`);
  try {
    renameSync(tmp, home); // the interpreter finds its environment relative to itself, so the move is safe
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(home, 'installed'))) throw err; // else a concurrent starter won the rename
  }
  return python;
}

/**
 * The URI of the local server on `port`. A direct connection: SecantusDB 0.7.0b3, as it stops, answers the driver's
 * waiting `hello` without its replica set's name, and in a replica set topology the driver then drops the server
 * for good, so an instance never reconnected after a database restart (test/hardening/faults.test.ts). A direct
 * connection keeps it and reconnects; transactions and change streams work the same.
 */
export const localUri = (port: number) => `mongodb://127.0.0.1:${port}/portico?directConnection=true`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitUntilListening(child: ChildProcess, port: number, output: () => string, name = 'SecantusDB'): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}:\n${output()}`);
    if (await accepts(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on port ${port} within 60 s:\n${output()}`);
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/**
 * Starts SecantusDB with its WiredTiger files in dataDir. Every commit is synced to its log (`--sync-on-commit`):
 * without it, a killed server was measured to lose a block of acknowledged writes while keeping later ones.
 * `syncOnCommit: false` leaves it out, for benchmarks only. `testCommands` lets tests inject failures
 * (`configureFailPoint`); never for a database anyone else can reach.
 */
export async function startLocalDatabase(options: {
  dataDir: string;
  port?: number;
  syncOnCommit?: boolean;
  testCommands?: boolean;
  onInstall?: (msg: string) => void;
}): Promise<LocalDatabase> {
  const python = secantusPython(options.onInstall);
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const args = [
    WRAPPER,
    '--config',
    CONFIG,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--storage-path',
    options.dataDir,
    '--log-level',
    'ERROR',
  ];
  if (options.syncOnCommit ?? true) args.push('--sync-on-commit');
  if (options.testCommands) args.push('--enable-test-commands');
  // stdin stays open as a lifeline: the server exits when this process ends, however it ends.
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  await waitUntilListening(child, port, () => output);
  return {
    pid: child.pid!,
    port,
    uri: localUri(port),
    async stop() {
      const done = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000); // it closes WiredTiger first, usually within seconds
      await done;
      clearTimeout(timer);
    },
    async kill() {
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The development database under <var>/db. A server already running for this folder (started by `npm start`
 * or the CLI) is reused, so the CLI works beside a running server; otherwise a new one is started and recorded.
 */
export async function embeddedDatabase(varDir: string, onInstall?: (msg: string) => void): Promise<Database> {
  const dataDir = join(varDir, 'db');
  const stateFile = join(dataDir, 'server.json');
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; port: number };
    if (alive(state.pid) && (await accepts(state.port))) {
      return { uri: localUri(state.port), stop: async () => {} };
    }
  }
  const server = await startLocalDatabase({ dataDir, onInstall });
  writeFileSync(stateFile, JSON.stringify({ pid: server.pid, port: server.port }));
  return {
    uri: server.uri,
    stop: async () => {
      rmSync(stateFile, { force: true });
      await server.stop();
    },
  };
}
