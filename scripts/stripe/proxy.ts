// A pass-through in front of stripe-mock that tells an observer about each exchange once it is answered: the tests
// count what reached Stripe with it, and the local demo plays Stripe's webhooks with it (stripe-mock sends none).
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StripeExchange = { method: string; path: string; idempotencyKey?: string; form: URLSearchParams; status: number; answer: string };

export async function startStripeProxy(upstreamUrl: string, observe: (x: StripeExchange) => void): Promise<{ url: string; stop(): Promise<void> }> {
  const upstream = new URL(upstreamUrl);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      async (answer) => {
        const parts: Buffer[] = [];
        for await (const chunk of answer) parts.push(chunk as Buffer);
        const text = Buffer.concat(parts);
        res.writeHead(answer.statusCode!, answer.headers);
        res.end(text);
        observe({
          method: req.method!,
          path: req.url!.split('?')[0]!,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          form: new URLSearchParams(body.toString()),
          status: answer.statusCode!,
          answer: text.toString(),
        });
      },
    );
    forwarded.on('error', () => res.destroy());
    forwarded.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
