import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../config/index.ts';
import { createLogger } from '../../lib/log.ts';

describe('configuration and logs', () => {
  const base = { VAR_DIR: 'var/test-config', MASTER_SECRET: 'x'.repeat(40) };

  it('derives defaults for development', () => {
    const c = loadConfig({ ...base, PORT: '4000' });
    expect(c.publicUrl).to.equal('http://localhost:4000');
    expect(c.env).to.equal('development');
    expect(c.seedDemo).to.equal(true);
  });

  it('explains every invalid value at once', () => {
    expect(() => loadConfig({ ...base, PORT: 'eighty', PUBLIC_URL: 'ftp://x', MONGODB_URI: 'postgres://x', MASTER_SECRET: 'short' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/PORT/)
      .and.matches(/PUBLIC_URL/)
      .and.matches(/MONGODB_URI: must start with mongodb/)
      .and.matches(/MASTER_SECRET: must be at least 32 characters/);
  });

  it('takes the platform cap on sign-in codes to one network, and explains a wrong one', () => {
    expect(loadConfig(base).signInCodesPerNetwork).to.equal(1000);
    expect(loadConfig({ ...base, SIGN_IN_CODES_PER_NETWORK: '5000' }).signInCodesPerNetwork).to.equal(5000);
    for (const [value, says] of [
      ['0', 'must be at least 1'],
      ['2.5', 'must be a whole number'],
      ['lots', 'must be a number'],
      ['20000', 'must be at most 10000'],
    ]) {
      expect(() => loadConfig({ ...base, SIGN_IN_CODES_PER_NETWORK: value }), value).to.throw(ConfigError, `SIGN_IN_CODES_PER_NETWORK: ${says}`);
    }
  });

  it('takes the private hosts the identity provider may call as host:port pairs, and explains a wrong one', () => {
    expect(loadConfig(base).privateCallbackHosts).to.deep.equal([]);
    expect(loadConfig({ ...base, PRIVATE_CALLBACK_HOSTS: 'Shop.internal:8443, 10.0.0.7:80' }).privateCallbackHosts).to.deep.equal([
      'shop.internal:8443',
      '10.0.0.7:80',
    ]);
    for (const value of ['true', 'shop.internal', 'http://shop.internal:80']) {
      expect(() => loadConfig({ ...base, PRIVATE_CALLBACK_HOSTS: value }), value).to.throw(ConfigError, 'PRIVATE_CALLBACK_HOSTS');
    }
  });

  it('requires real settings in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', VAR_DIR: 'var/test-config' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/PUBLIC_URL: required in production/)
      .and.matches(/SMTP_URL: required in production/)
      .and.matches(/MASTER_SECRET: required in production/);
  });

  it('keeps secrets out of log lines', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, (l) => lines.push(l));
    log.info('token issued', {
      client_secret: 's3cret',
      nested: { refresh_token: 'rt', code: '123456' },
      authorization: 'Bearer x',
      email: 'a@example.com',
    });
    expect(lines[0]).to.not.match(/s3cret|"rt"|123456|Bearer x/);
    expect(JSON.parse(lines[0]!)).to.deep.include({ msg: 'token issued', email: 'a@example.com' });
  });
});
