// The part of a proxied URL that names an API resource. The proxy forwards exactly the path it checked, so anything a
// URL parser could resolve somewhere else is refused, never normalised: dot segments, backslashes (WHATWG URLs read
// `\` as `/` in http URLs), encoded dots, slashes and backslashes (decoded by the API's router after our check), and
// a `%` that starts no escape.
import { HttpError } from '../../lib/errors.ts';

const REFUSED = /\\|%2e|%2f|%5c|%(?![0-9a-f]{2})|(?:^|\/)\.{1,2}(?:\/|$)/i;

/** `raw` (the request path after the API prefix, still percent-encoded), if it names a resource under the API's root. */
export function apiPath(raw: string): string {
  if (REFUSED.test(raw)) throw new HttpError(400, 'invalid_request', 'Not an API path.');
  return raw;
}
