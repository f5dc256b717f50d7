// docker-compose.yml, loaded and validated as `docker compose config` does (compose-go, scripts/compose), and what
// it promises: two Portico instances from the Dockerfile behind a TLS proxy, MongoDB as a replica set, a mail
// catcher, health checks, and nothing written into the source tree.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/index.ts';
import { composeCheckBinary, loadCompose, type ComposeProject, type ComposeService } from '../../scripts/compose/check.ts';
import { parseDockerfile } from '../../scripts/image/dockerfile.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE = join(ROOT, 'docker-compose.yml');
const EXAMPLE = join(ROOT, '.env.example');

describe('deploy: docker-compose.yml', () => {
  let dir: string;
  let secrets: string;
  let project: ComposeProject;
  let porticos: [string, ComposeService][];

  before(function () {
    this.timeout(300_000); // the first run builds the checker (modules from the Go module proxy)
    composeCheckBinary();
    dir = mkdtempSync(join(tmpdir(), 'portico-compose-'));
    // .env.example plus what it leaves for the operator to choose: the secret.
    secrets = join(dir, 'secrets.env');
    writeFileSync(secrets, `MASTER_SECRET=${randomBytes(32).toString('base64')}\nMETRICS_TOKEN=${randomBytes(16).toString('hex')}\n`);
    const loaded = loadCompose(COMPOSE, [EXAMPLE, secrets]);
    if ('error' in loaded) throw new Error(`docker-compose.yml does not load with .env.example and a secret:\n${loaded.error}`);
    project = loaded.project;
    porticos = Object.entries(project.services).filter(([, s]) => s.build);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused by the checker when it breaks the Compose specification (the check can fail)', () => {
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, readFileSync(COMPOSE, 'utf8').replace('read_only: true', 'readonly: true'));
    expect(loadCompose(broken, [EXAMPLE, secrets]))
      .to.have.property('error')
      .that.matches(/readonly/);
    const dangling = join(dir, 'dangling.yml');
    writeFileSync(
      dangling,
      readFileSync(COMPOSE, 'utf8').replace('mongo:\n      condition: service_healthy', 'mongodb:\n      condition: service_healthy'),
    );
    expect(loadCompose(dangling, [EXAMPLE, secrets]))
      .to.have.property('error')
      .that.matches(/mongodb/);
  });

  it('refuses to start without a master secret of the operator’s own', () => {
    expect(loadCompose(COMPOSE, [EXAMPLE]))
      .to.have.property('error')
      .that.matches(/MASTER_SECRET/);
  });

  it('keeps .env.example harmless for `npm start`, which reads the same .env', () => {
    const example = parseEnv(readFileSync(EXAMPLE, 'utf8'));
    expect(example, 'every line starts commented out').to.deep.equal({});
    expect(() => loadConfig({ ...example, VAR_DIR: join(dir, 'var') })).to.not.throw();
  });

  it('runs two Portico instances built from the Dockerfile, configured as production', () => {
    expect(porticos.map(([name]) => name)).to.have.length(2);
    for (const [name, s] of porticos) {
      expect(relative(ROOT, s.build!.context), name).to.equal('');
      expect(s.build!.dockerfile, name).to.equal('Dockerfile');
      // What config/index.ts makes of the environment the stack gives it (unset optional values are not passed).
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).filter((e): e is [string, string] => e[1] !== null));
      const config = loadConfig(env);
      expect(config.env, name).to.equal('production');
      expect(config.trustProxy, `${name}: behind the proxy, X-Forwarded-Proto/For must be believed`).to.equal(true);
      expect(config.publicUrl, name).to.match(/^https:\/\//);
      expect(config.metricsToken, name).to.be.a('string');
      // Only the proxy is a way in: with TRUST_PROXY, a published port would let anyone claim any client address.
      expect(s.ports ?? [], name).to.deep.equal([]);
    }
    // The same settings for both: they share everything through the database.
    expect(porticos[0]![1].environment).to.deep.equal(porticos[1]![1].environment);
  });

  it('gives them MongoDB as a replica set, with a health check they wait for', () => {
    const [name, mongo] = Object.entries(project.services).find(([, s]) => /^mongo:\d/.test(s.image ?? ''))!;
    const command = mongo.command ?? [];
    const replSet = command[command.indexOf('--replSet') + 1];
    expect(command).to.include('--replSet');
    expect(mongo.healthcheck?.test, 'the health check initiates the replica set')
      .to.be.an('array')
      .that.satisfies((t: string[]) => t.join(' ').includes('rs.initiate'));
    for (const [portico, s] of porticos) {
      expect(new URL(s.environment!.MONGODB_URI!).searchParams.get('replicaSet'), portico).to.equal(replSet);
      expect(new URL(s.environment!.MONGODB_URI!).hostname, portico).to.equal(name);
      expect(s.depends_on?.[name]?.condition, portico).to.equal('service_healthy');
    }
    // Reachable by the instances only.
    for (const network of Object.keys(mongo.networks ?? {})) expect(project.networks?.[network]?.internal, network).to.equal(true);
    expect(mongo.ports ?? []).to.deep.equal([]);
  });

  it('puts a TLS-terminating proxy in front of both instances', () => {
    const [, caddy] = Object.entries(project.services).find(([, s]) => /^caddy:/.test(s.image ?? ''))!;
    expect(caddy.ports?.map((p) => p.target)).to.include(443);
    const config = caddy.configs?.find((c) => c.target === '/etc/caddy/Caddyfile');
    const file = project.configs?.[config!.source]?.file;
    expect(file && existsSync(file), 'the Caddyfile exists').to.equal(true);
    const caddyfile = readFileSync(file!, 'utf8').replace(/#.*$/gm, '');
    expect(caddyfile).to.match(/^\s*\{\$PUBLIC_URL\}\s*\{/m);
    expect(caddy.environment?.PUBLIC_URL).to.equal(porticos[0]![1].environment!.PUBLIC_URL);
    expect(caddyfile).to.match(/^\s*tls\s+\{\$CADDY_TLS:internal\}/m);
    const upstreams = /reverse_proxy\s+([^{\n]+)/.exec(caddyfile)![1]!.trim().split(/\s+/);
    expect(upstreams).to.have.members(porticos.map(([name, s]) => `${name}:${s.environment!.PORT}`));
    expect(caddyfile, 'the proxy routes only to live instances').to.match(/health_uri\s+\/healthz/);
    expect(caddyfile, 'event streams are not compressed (an encoder buffers)').to.match(/not header Accept text\/event-stream/);
    expect(caddyfile, 'metrics are scraped per instance, not through the proxy').to.match(/respond\s+\/metrics\s+404/);
    for (const [name] of porticos) expect(caddy.depends_on?.[name]?.condition, name).to.equal('service_healthy');
  });

  it('health-checks every long-running service: Portico by the image’s HEALTHCHECK', () => {
    const final = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).at(-1)!;
    const healthcheck = final.instructions.find((i) => i.op === 'HEALTHCHECK');
    expect(healthcheck?.exec?.join(' ')).to.match(/\/readyz/);
    for (const [name, s] of Object.entries(project.services)) {
      if (s.build) expect(s.healthcheck?.disable, name).to.not.equal(true);
      else if (!/mailpit/.test(s.image ?? '')) expect(s.healthcheck?.test, name).to.be.an('array'); // Mailpit's image has its own
    }
  });

  it('catches mail in Mailpit unless SMTP_URL says otherwise', () => {
    const [name, mailpit] = Object.entries(project.services).find(([, s]) => /mailpit/.test(s.image ?? ''))!;
    for (const [, s] of porticos) expect(new URL(s.environment!.SMTP_URL!).hostname).to.equal(name);
    expect(
      mailpit.ports?.every((p) => p.host_ip === '127.0.0.1'),
      'its page is for this machine only',
    ).to.equal(true);
  });

  it('writes nothing into the source tree: named volumes and tmpfs only', () => {
    const declared = Object.keys(project.volumes ?? {});
    for (const [name, s] of Object.entries(project.services)) {
      for (const v of s.volumes ?? []) {
        expect(v.type, `${name}: ${v.source} → ${v.target}`).to.be.oneOf(['volume', 'tmpfs']);
        if (v.type === 'volume') expect(declared, name).to.include(v.source);
      }
    }
    for (const [, s] of porticos) expect(s.read_only, 'the instances run on a read-only file system').to.equal(true);
  });
});
