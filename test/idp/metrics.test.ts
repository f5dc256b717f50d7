// GET /metrics for Prometheus: only with the METRICS_TOKEN; request latency by route (organisations and ids
// replaced, unmatched paths one value), sign-ins and their code emails, database commands, open event streams.
import { expect } from 'chai';
import { makeClient, makeOrg, signIn } from '../support/oidc.ts';
import { METRICS_TOKEN, stack } from '../support/stack.ts';

describe('Metrics (GET /metrics)', () => {
  it('answers only with the token, in the Prometheus text format, counting what an operator watches', async () => {
    const s = await stack();
    const scrape = async () => {
      const res = await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    const value = (text: string, series: string) =>
      Number(new RegExp(`^${series.replace(/[{}[\]().+*?^$|\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    expect((await fetch(`${s.baseUrl}/metrics`)).status).to.equal(401);
    expect((await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).to.equal(401);

    const before = await scrape();
    const t = await makeOrg(s);
    await signIn(s, await makeClient(s, t));
    for (const path of ['/no/such/thing/1', '/no/such/thing/2']) await fetch(`${s.baseUrl}${path}`);
    await fetch(`${t.issuer}/.well-known/openid-configuration`);
    const after = await scrape();

    expect(value(after, 'portico_sign_ins_total') - value(before, 'portico_sign_ins_total')).to.be.at.least(1);
    expect(value(after, 'portico_sign_in_codes_total{outcome="sent"}') - value(before, 'portico_sign_in_codes_total{outcome="sent"}')).to.be.at.least(
      1,
    );
    expect(after).to.match(
      /^portico_http_request_duration_seconds_count\{method="GET",route="\/:org\/\.well-known\/openid-configuration",status="2xx"\} \d+$/m,
    );
    expect(after).to.match(/^portico_http_request_duration_seconds_count\{method="GET",route="\(unmatched\)",status="4xx"\} \d+$/m);
    expect(after).to.not.contain(t.org.slug); // organisations are never labels
    expect(after).to.not.contain('/no/such/thing');
    expect(after).to.match(/^portico_db_operation_duration_seconds_count\{command="find",outcome="ok"\} \d+$/m);
    expect(after).to.match(/^portico_event_streams \d+$/m);
    expect(after).to.match(/^portico_process_resident_memory_bytes \d+/m);
  });
});
