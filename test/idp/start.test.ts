import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort } from '../../scripts/db/launch.ts';
import { json } from '../support/http.ts';
import { stack } from '../support/stack.ts';

describe('npm start (server/main.ts)', () => {
  it('seeds the demo organisation on an empty database, prints where to go, and stops cleanly', async () => {
    const s = await stack();
    const port = await freePort();
    const varDir = mkdtempSync(join(tmpdir(), 'portico-start-'));
    const db = new URL(s.mongoUri);
    db.pathname = `${db.pathname}_start`; // an empty database of its own
    const child = spawn(process.execPath, ['server/main.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), MONGODB_URI: db.toString(), VAR_DIR: varDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      for (let i = 0; i < 600 && !out.includes('Payments:'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).to.contain(`Portico is running at http://localhost:${port}`);
      expect(out).to.contain(`Discovery:       http://localhost:${port}/demo/.well-known/openid-configuration`);
      const meta = await json(fetch(`http://127.0.0.1:${port}/demo/.well-known/openid-configuration`));
      expect(meta.issuer).to.equal(`http://localhost:${port}/demo`);
      expect(out).to.contain(`Customer portal: http://localhost:${port}/demo/portal`);
      expect(out).to.match(/Payments: +stripe-mock at http:\/\/127\.0\.0\.1:\d+/);
      const portal = await fetch(`http://127.0.0.1:${port}/demo/portal`, { redirect: 'manual' });
      expect(portal.status).to.equal(302); // the seeded portal, asking a signed-out visitor to sign in
      expect(portal.headers.get('location')).to.equal('/demo/portal/login?return=%2Fdemo%2Fportal');
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', r));
      rmSync(varDir, { recursive: true, force: true });
      expect(code, out).to.equal(0);
    }
  });

  it('refuses to start with invalid configuration, saying what is wrong', async () => {
    const child = spawn(process.execPath, ['server/main.ts'], {
      env: { PATH: process.env.PATH, PORT: 'eighty', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).to.equal(1);
    expect(err).to.contain('PORT').and.contain('MASTER_SECRET: required in production');
  });
});
