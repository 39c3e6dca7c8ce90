import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';

/** An Ed25519 public key as a JWKS entry (RFC 8037). */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use?: string;
  alg?: string;
}

/** A document with its signature: `signature` covers the canonical JSON (RFC 8785) of every other field. */
export type Signed<T> = T & { keyId: string; signature: string };

const signedBytes = (fields: Record<string, unknown>) => Buffer.from(canonicalize(fields)!, 'utf8');

/** Signs the canonical JSON of `fields` plus `keyId`; base64url. */
export function signDocument<T extends Record<string, unknown>>(
  fields: T,
  keyId: string,
  privateKey: KeyObject,
): Signed<T> {
  const withKey = { ...fields, keyId };
  return { ...withKey, signature: sign(null, signedBytes(withKey), privateKey).toString('base64url') };
}

/** Whether `document.signature` is a signature by the key `document.keyId` of `keys` over its other fields. */
export function verifyDocument(document: Record<string, unknown>, keys: readonly PublicJwk[]): boolean {
  const { signature, ...fields } = document;
  const jwk = keys.find((key) => key.kid === fields.keyId);
  if (!jwk || typeof signature !== 'string') return false;
  const publicKey = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
  return verify(null, signedBytes(fields), publicKey, Buffer.from(signature, 'base64url'));
}
