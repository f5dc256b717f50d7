// Stopping an instance (SIGTERM, as an orchestrator does): it stops accepting, ends its event streams with a short
// reconnect hint (the browser resumes elsewhere from its Last-Event-ID), lets requests finish, and exits cleanly.
import { expect } from 'chai';
import { adminToken } from '../support/api.ts';
import { makeOrg } from '../support/oidc.ts';
import { secondInstance, stack } from '../support/stack.ts';

describe('Graceful shutdown', function () {
  this.timeout(60_000);

  it('ends event streams with a reconnect hint, then exits 0 and accepts nothing more', async () => {
    const s = await stack();
    const t = await makeOrg(s);
    const token = await adminToken(s, t, 'admin');
    const other = await secondInstance(s, { LOG_LEVEL: 'info' });
    const res = await fetch(`${other.adminUrl(t)}/events`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
    expect(res.status).to.equal(200);
    const reader = res.body!.getReader();
    let text = '';
    const read = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    };
    const ended = read();
    for (let i = 0; !text.includes('retry: 2000') && i < 100; i++) await new Promise((r) => setTimeout(r, 20)); // the stream is open
    expect(await other.stop()).to.equal(0);
    await ended; // the stream ended rather than being cut: the reader finished without an error
    expect(text.trim().endsWith('retry: 500')).to.equal(true);
    expect(other.output()).to.match(/"msg":"shutting down".*"eventStreams":1/);
    expect(
      await fetch(`${other.baseUrl}/healthz`).then(
        () => 'answered',
        () => 'refused',
      ),
    ).to.equal('refused');
  });
});
