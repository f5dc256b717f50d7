// What reached Stripe: the test stack's Stripe is stripe-mock behind this recorder, which forwards every request as
// it is and notes its method, path and idempotency key, so tests can count the PaymentIntents Portico asked for.
import { createServer, request, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export type StripeCall = { method: string; path: string; idempotencyKey?: string };

export async function startStripeRecorder(target: string): Promise<{ url: string; calls: StripeCall[]; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const calls: StripeCall[] = [];
  const server = createServer((req, res) => {
    calls.push({ method: req.method!, path: req.url!.split('?')[0]!, idempotencyKey: req.headers['idempotency-key'] as string | undefined });
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
