import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PublicJwk } from './signed-document';

/** The key that signs checkpoints and archive manifests, and every public key a verifier may need. */
export interface SigningKeys {
  keyId: string;
  privateKey: KeyObject;
  /** The current key first, then earlier ones kept for the checkpoints they signed. */
  publicKeys: PublicJwk[];
}

export interface SigningKeySource {
  /** PKCS#8 PEM. */
  pem?: string;
  file?: string;
  /** A JWKS document (JSON) of retired public keys. */
  previousPublicKeys?: string;
  /** Where a development key is kept when neither `pem` nor `file` is given. */
  developmentFile: string;
  production: boolean;
}

/** The RFC 7638 thumbprint of an Ed25519 key: a stable `kid` that anyone can recompute. */
function thumbprint(x: string): string {
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
}

export function publicJwkOf(key: KeyObject): PublicJwk {
  const { x } = createPublicKey(key).export({ format: 'jwk' });
  if (!x) throw new Error('not an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x, kid: thumbprint(x), use: 'sig', alg: 'EdDSA' };
}

function developmentKey(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, pem, { mode: 0o600 });
    return pem;
  }
}

function previousKeys(text: string | undefined): PublicJwk[] {
  if (!text) return [];
  const parsed = JSON.parse(text) as { keys?: PublicJwk[] };
  return (parsed.keys ?? []).filter((key) => key.kty === 'OKP' && key.crv === 'Ed25519' && key.x);
}

/**
 * Loads the signing key (AUDIT_SIGNING_KEY, else AUDIT_SIGNING_KEY_FILE, else a development key).
 * @throws Error when the key is not an Ed25519 PKCS#8 key, or when production has no key of its own.
 */
export function loadSigningKeys(source: SigningKeySource): SigningKeys {
  let pem = source.pem ?? (source.file ? readFileSync(source.file, 'utf8') : undefined);
  if (!pem) {
    if (source.production)
      throw new Error('AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE must be set when NODE_ENV=production');
    pem = developmentKey(source.developmentFile);
  }
  const privateKey = createPrivateKey({ key: pem, format: 'pem' });
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('AUDIT_SIGNING_KEY: an Ed25519 key is required');
  const current = publicJwkOf(privateKey);
  const earlier = previousKeys(source.previousPublicKeys).filter((key) => key.kid !== current.kid);
  return { keyId: current.kid, privateKey, publicKeys: [current, ...earlier] };
}
