// Prometheus metrics (GET /metrics, with METRICS_TOKEN): request rate and latency by route, sign-ins, sign-in codes
// sent and failed, bookings, database operation latency by command, and open event streams, beside Node's own.
// prom-client, the Prometheus project's own Node client: its exposition format and histograms are the standard.
import client from 'prom-client';
import type { Context } from 'koa';
import type { mongo } from 'mongoose';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'portico_' });

const registers = [registry];
const requests = new client.Histogram({
  name: 'portico_http_request_duration_seconds',
  help: 'HTTP requests by method, route (ids and organisations replaced) and status class',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});
export const signIns = new client.Counter({ name: 'portico_sign_ins_total', help: 'Sign-ins completed with an emailed code', registers });
export const codeMails = new client.Counter({
  name: 'portico_sign_in_codes_total',
  help: 'Sign-in code emails, by outcome',
  labelNames: ['outcome'] as const,
  registers,
});
export const signInChallenges = new client.Counter({
  name: 'portico_sign_in_challenges_total',
  help: 'Proof-of-work challenges given to busy networks, by why (needed, forged, expired, used, harder)',
  labelNames: ['reason'] as const,
  registers,
});
export const bookings = new client.Counter({ name: 'portico_bookings_total', help: 'Bookings made', labelNames: ['by'] as const, registers });
const dbOperations = new client.Histogram({
  name: 'portico_db_operation_duration_seconds',
  help: 'Database commands by name and outcome',
  labelNames: ['command', 'outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers,
});

/** Open event streams, read when scraped. */
export function countEventStreams(count: () => number): void {
  new client.Gauge({
    name: 'portico_event_streams',
    help: 'Server-sent event streams open on this instance',
    registers,
    collect() {
      this.set(count());
    },
  });
}

/** Times every command the driver sends (the connection must be made with monitorCommands). */
export function watchDatabase(mongoClient: mongo.MongoClient): void {
  mongoClient.on('commandSucceeded', (e) => dbOperations.observe({ command: e.commandName, outcome: 'ok' }, e.duration / 1000));
  mongoClient.on('commandFailed', (e) => dbOperations.observe({ command: e.commandName, outcome: 'failed' }, e.duration / 1000));
}

/** Our ids (`tab_…`), UUIDs and hex, numbers, and long random tokens (with a digit: words like openid-configuration are not). */
const ID = /^(?:[a-z]{2,5}_[A-Za-z0-9_-]{6,}|[0-9a-f-]{16,}|\d+|(?=[^/]*\d)[A-Za-z0-9_-]{16,})$/;

/**
 * The route of a request as a label with few values: the organisation's slug and ids become placeholders, and a
 * request nothing answered is one value, so scanners cannot grow the series without bound.
 */
export function routeOf(path: string, status: number): string {
  if (status === 404 || status === 405) return '(unmatched)';
  const parts = path.split('/').slice(1);
  if (!parts[0] || ['healthz', 'readyz', 'metrics'].includes(parts[0])) return path;
  return `/:org/${parts
    .slice(1, 8)
    .map((p) => (ID.test(p) ? ':id' : p))
    .join('/')}`;
}

/** `path`: as the request came (the identity provider's mount rewrites ctx.path for its own app). */
export function observeRequest(ctx: Context, path: string, seconds: number): void {
  requests.observe({ method: ctx.method, route: routeOf(path, ctx.status), status: `${Math.floor(ctx.status / 100)}xx` }, seconds);
}
