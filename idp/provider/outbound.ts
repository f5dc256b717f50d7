// The requests oidc-provider makes to apps (back-channel logout tokens, and client metadata such as jwks_uri). It
// sends them through a dispatcher that refuses loopback, private and link-local addresses (SSRF); our own
// first-party apps are called at this server's internal address, which that guard would refuse, so their exact
// URIs go without it, and so do the hosts the operator names (PRIVATE_CALLBACK_HOSTS, host:port each). A list, not
// a switch: lifting the guard for every host would let any registered URI reach the cloud's metadata address.
import type { Configuration } from 'oidc-provider';

type Fetch = NonNullable<Configuration['fetch']>;

export function outboundFetch(ownUris: string[], privateHosts: string[]): Fetch {
  const own = new Set(ownUris.map((u) => new URL(u).href)); // compared as URLs (case, default ports)
  const hosts = new Set(privateHosts);
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (own.has(url.href) || hosts.has(`${url.hostname}:${port}`)) delete (init as { dispatcher?: unknown }).dispatcher;
    return fetch(input, init);
  };
}
