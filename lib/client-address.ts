// Who a first-party request is for. The portal's server (portal/bff) calls this server's APIs itself, so the API
// sees the server's own address, and X-Forwarded-For only where TRUST_PROXY says a proxy may be believed: per-client
// limits would count every customer as one. The first-party server names the customer's address in a header with a
// MAC under a key derived from the master secret, bound to the request's bearer token (a header seen with one token
// is worth nothing with another); the API believes the address only when the MAC verifies, whatever TRUST_PROXY says.
import { isIP } from 'node:net';
import type { Middleware } from 'koa';
import { deriveKey, keyedHash, safeEqual } from './crypto.ts';

const ADDRESS = 'x-portico-client-address';
const MAC = 'x-portico-client-address-mac';

export const clientAddressKey = (masterSecret: string): Buffer => deriveKey(masterSecret, 'first-party-client-address');

/** The headers by which a first-party server tells the API that a request with `authorization` is for `ip`. */
export function clientAddressHeaders(key: Buffer, ip: string, authorization: string): Record<string, string> {
  return { [ADDRESS]: ip, [MAC]: keyedHash(key, ip, authorization) };
}

/** `ctx.ip` becomes the address named by a first-party server when its MAC verifies; the headers go no further. */
export function trustedClientAddress(key: Buffer): Middleware {
  return (ctx, next) => {
    const ip = ctx.get(ADDRESS);
    const mac = ctx.get(MAC);
    const authorization = ctx.get('authorization');
    delete ctx.req.headers[ADDRESS];
    delete ctx.req.headers[MAC];
    if (ip && mac && authorization && isIP(ip) && safeEqual(mac, keyedHash(key, ip, authorization))) ctx.request.ip = ip;
    return next();
  };
}
