// Local MongoDB-compatible database for development and tests: FerretDB v1 (SQLite backend), embedded in a tiny Go
// program of ours (main.go beside this file), built with the machine's Go into a cache on first use.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCES = ['main.go', 'go.mod', 'go.sum'];

export type Database = { uri: string; stop(): Promise<void> };

export class EmbeddedDatabaseUnavailable extends Error {}

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'portico');
}

/** Path of the built wrapper; builds it when the sources changed or it was never built. */
export function ferretdbBinary(onBuild: (msg: string) => void = () => {}): string {
  const hash = createHash('sha256');
  for (const f of SOURCES) hash.update(readFileSync(join(SOURCE_DIR, f)));
  const binary = join(cacheDir(), `ferretdb-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) throw new EmbeddedDatabaseUnavailable('Go is not installed, so the embedded FerretDB cannot be built.');
  onBuild(`building embedded FerretDB with ${go.stdout.trim()} (first run only, takes a minute or two)`);
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  const build = spawnSync('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: SOURCE_DIR,
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
  });
  if (build.status !== 0) {
    rmSync(tmp, { force: true });
    throw new EmbeddedDatabaseUnavailable(`building FerretDB failed:\n${build.stderr || build.error}`);
  }
  renameSync(tmp, binary); // atomic: concurrent builders never see a half-written binary
  return binary;
}

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

async function waitUntilListening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode}:\n${output()}`);
    if (await accepts(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`FerretDB did not listen on port ${port} within 15 s:\n${output()}`);
}

/**
 * A local database with its files in dataDir: FerretDB when Go can build it, otherwise a real mongod through
 * mongodb-memory-server (which downloads mongod, so it works only where that download is reachable).
 */
export async function startLocalDatabase(options: { dataDir: string; onBuild?: (msg: string) => void }): Promise<Database & { pid?: number; port?: number }> {
  try {
    return await startFerretDB(options);
  } catch (err) {
    if (!(err instanceof EmbeddedDatabaseUnavailable)) throw err;
    try {
      const { MongoMemoryServer } = await import('mongodb-memory-server-core');
      mkdirSync(options.dataDir, { recursive: true });
      const server = await MongoMemoryServer.create({ instance: { dbPath: options.dataDir, storageEngine: 'wiredTiger' } });
      return { uri: server.getUri('portico'), stop: async () => void (await server.stop({ doCleanup: false })) };
    } catch (fallback) {
      throw new EmbeddedDatabaseUnavailable(
        `No MONGODB_URI is set. ${err.message}\n` +
          `mongodb-memory-server could not start mongod either (${(fallback as Error).message}).\n` +
          'Install Go (https://go.dev/dl), set MONGODB_URI=mongodb://… to a MongoDB 7+ server, ' +
          'or run `docker compose up` for MongoDB and the app together.',
      );
    }
  }
}

/** Starts a FerretDB process with its SQLite files in dataDir. */
export async function startFerretDB(options: { dataDir: string; port?: number; onBuild?: (msg: string) => void }): Promise<Database & { pid: number; port: number }> {
  const binary = ferretdbBinary(options.onBuild);
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  // stdin stays open as a lifeline: the server exits when this process ends, however it ends.
  const child = spawn(binary, ['-listen-addr', `127.0.0.1:${port}`, '-sqlite-dir', options.dataDir, '-log-level', 'error', '-exit-on-stdin-eof'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
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
    uri: `mongodb://127.0.0.1:${port}/portico`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
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
export async function embeddedDatabase(varDir: string, onBuild?: (msg: string) => void): Promise<Database> {
  const dataDir = join(varDir, 'db');
  const stateFile = join(dataDir, 'server.json');
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; port: number };
    if (alive(state.pid) && (await accepts(state.port))) {
      return { uri: `mongodb://127.0.0.1:${state.port}/portico`, stop: async () => {} };
    }
  }
  const server = await startLocalDatabase({ dataDir, onBuild });
  if (server.pid) writeFileSync(stateFile, JSON.stringify({ pid: server.pid, port: server.port }));
  return {
    uri: server.uri,
    stop: async () => {
      rmSync(stateFile, { force: true });
      await server.stop();
    },
  };
}
