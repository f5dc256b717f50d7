// An organisation's signing keys: ES256 and RS256, stored sealed with the master secret.
// Rotation is a ring: `next` keys are published in JWKS one rotation before they sign, `retired` keys stay
// published one rotation after, so relying parties with cached JWKS never see an unknown kid.
import { createHash, generateKeyPair, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import { seal, unseal } from '../../lib/crypto.ts';

export const ALGORITHMS = ['ES256', 'RS256'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export type KeyStatus = 'current' | 'next' | 'retired';
export type StoredKey = { kid: string; alg: Algorithm; status: KeyStatus; sealed: string; createdAt: Date };
export type PrivateJwk = JsonWebKey & { kid: string; alg: Algorithm; use: 'sig' };

const generate = promisify(generateKeyPair);

function thumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

async function newKey(alg: Algorithm, status: KeyStatus, sealKey: Buffer): Promise<StoredKey> {
  const { privateKey } = alg === 'ES256' ? await generate('ec', { namedCurve: 'P-256' }) : await generate('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = thumbprint(jwk);
  return { kid, alg, status, sealed: seal(sealKey, JSON.stringify({ ...jwk, kid, alg, use: 'sig' })), createdAt: new Date() };
}

export async function newKeyring(sealKey: Buffer): Promise<StoredKey[]> {
  return Promise.all(['current', 'next'].flatMap((status) => ALGORITHMS.map((alg) => newKey(alg, status as KeyStatus, sealKey))));
}

/** One rotation step: retired keys go, current keys retire, next keys start signing, fresh next keys are published. */
export async function rotateKeyring(keys: StoredKey[], sealKey: Buffer): Promise<StoredKey[]> {
  const moved = keys
    .filter((k) => k.status !== 'retired')
    .map((k) => ({ ...k, status: (k.status === 'current' ? 'retired' : 'current') as KeyStatus }));
  return [...moved, ...(await Promise.all(ALGORITHMS.map((alg) => newKey(alg, 'next', sealKey))))];
}

const ORDER: Record<KeyStatus, number> = { current: 0, next: 1, retired: 2 };

/** Private JWKS for oidc-provider, signing keys first: it signs with the first key of the wanted algorithm. */
export function privateJwks(keys: StoredKey[], sealKey: Buffer): { keys: PrivateJwk[] } {
  const sorted = [...keys].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  return { keys: sorted.map((k) => JSON.parse(unseal(sealKey, k.sealed)) as PrivateJwk) };
}
