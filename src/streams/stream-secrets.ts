import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AuditError, ErrorCode } from '../errors';

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * The streams' secrets (sink tokens, HMAC keys) at rest: AES-256-GCM under a key derived from STREAM_SECRET_KEY,
 * the tenant and stream ids bound as associated data so that a ciphertext copied to another row does not open.
 */
export class StreamSecrets {
  private readonly key: Buffer | null;

  constructor(setting: string | null) {
    this.key = setting === null ? null : Buffer.from(hkdfSync('sha256', setting, '', 'audit-stream-secrets', 32));
  }

  get available(): boolean {
    return this.key !== null;
  }

  /** @throws AuditError NOT_SERVED_HERE when no key is configured (production without STREAM_SECRET_KEY). */
  seal(plain: string, tenantId: string, streamId: string): string {
    const key = this.requireKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${tenantId}/${streamId}`));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join(
      ':',
    );
  }

  /** @throws Error when the key is missing or another key sealed it (the stream then fails with that message). */
  open(stored: string, tenantId: string, streamId: string): string {
    const key = this.requireKey();
    const [version, iv, tag, sealed] = stored.split(':');
    if (version !== VERSION || !iv || !tag || sealed === undefined) throw new Error('the stored secret is unreadable');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(`${tenantId}/${streamId}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('the stored secret does not open with STREAM_SECRET_KEY (was the key changed?)');
    }
  }

  private requireKey(): Buffer {
    if (!this.key)
      throw new AuditError(ErrorCode.NotServedHere, 'stream secrets cannot be used: STREAM_SECRET_KEY is not set');
    return this.key;
  }
}
