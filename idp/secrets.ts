// Every key the identity provider needs, derived from the one master secret, each for one purpose.
import { deriveKey } from '../lib/crypto.ts';

export type Secrets = {
  signingKeys: Buffer;
  clientSecrets: Buffer;
  otp: Buffer;
  /** Hashes of remembered browsers and of the operator's links (idp/otp/devices.ts). */
  devices: Buffer;
  /** Signs the proof-of-work challenges of busy networks (idp/otp/challenge.ts). */
  challenges: Buffer;
  cookieKeys(orgId: string): string[];
};

export function createSecrets(masterSecret: string): Secrets {
  return {
    signingKeys: deriveKey(masterSecret, 'signing-keys'),
    clientSecrets: deriveKey(masterSecret, 'client-secrets'),
    otp: deriveKey(masterSecret, 'otp'),
    devices: deriveKey(masterSecret, 'devices'),
    challenges: deriveKey(masterSecret, 'challenges'),
    cookieKeys: (orgId) => [deriveKey(masterSecret, `cookies:${orgId}`).toString('base64url')],
  };
}
