// The requests oidc-provider makes to apps: back-channel logout tokens. It sends them through a dispatcher that
// refuses loopback and private addresses (SSRF); our own first-party apps are called at this server's internal
// address, which that guard would refuse, so their exact URIs go without it, and so does everything when the
// operator lets apps on private networks be called (ALLOW_PRIVATE_CALLBACKS).
import type { Configuration } from 'oidc-provider';

type Fetch = NonNullable<Configuration['fetch']>;

export function outboundFetch(ownUris: Set<string>, allowPrivate: boolean): Fetch {
  return (input, init = {}) => {
    const href = input instanceof Request ? input.url : String(input);
    if (allowPrivate || ownUris.has(href)) delete (init as { dispatcher?: unknown }).dispatcher;
    return fetch(input, init);
  };
}
