import { createHash } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { verifyDocument, type PublicJwk, type Signed } from '../checkpoints/signed-document';

/**
 * What is kept of an event whose personal values were sealed after it was stored
 * (`npm run personal-data:seal-stored`): its chain hash still covers `originalDigest`, the digest of
 * its content as first stored; `sealedDigest` is the digest of its content as stored now.
 */
export interface ResealedDigests {
  originalDigest: string;
  sealedDigest: string;
}

export interface ResealRow extends ResealedDigests {
  sequence: string;
}

/**
 * What a re-sealing checkpoint signs: the rows of `personal_reseals` that name it (`events` of them,
 * between `fromSequence` and `toSequence`, `digest` over them), and the chain head when they were sealed.
 * `position` numbers a tenant's checkpoints: a later run may seal events between those of an earlier one.
 */
export interface ResealCheckpointFields extends Record<string, unknown> {
  kind: 'personalDataReseal';
  tenantId: string;
  position: number;
  fromSequence: string;
  toSequence: string;
  events: number;
  digest: string;
  headSequence: string;
  headHash: string;
  signedAt: string;
}

export type ResealCheckpoint = Signed<ResealCheckpointFields>;

/** SHA-256 (hex) over the rows in sequence order, each as `sequence:originalDigest:sealedDigest` and a newline. */
export function resealRowsDigest(rows: readonly ResealRow[]): string {
  const digest = createHash('sha256');
  for (const row of rows) digest.update(`${row.sequence}:${row.originalDigest}:${row.sealedDigest}\n`);
  return digest.digest('hex');
}

/** `personal_reseals` rows; a bigint arrives as a string, and is ordered as a number. */
const resealRows = (knex: Knex, tenantId: string) =>
  knex('personal_reseals')
    .select('sequence', 'checkpoint', 'original_digest as originalDigest', 'sealed_digest as sealedDigest')
    .where('tenant_id', tenantId)
    .orderBy('sequence');

/**
 * The recorded digests of a tenant's re-sealed events, for a verifier walking its chain: a row counts
 * only under the re-sealing checkpoint it names, once that checkpoint's signature verifies and its
 * digest, row count and range match the rows that name it, so that a row altered, added or removed shows.
 */
export class ResealedEvents {
  /** The positions of the checkpoints verified so far: each is read once. */
  private readonly verified = new Set<string>();

  constructor(
    private readonly knex: Knex,
    private readonly tenantId: string,
    private readonly publicKeys: readonly PublicJwk[],
  ) {}

  /**
   * The recorded digests of the re-sealed events in [from, to], by sequence; or the first sequence in
   * that range of a record whose checkpoint does not verify.
   */
  async between(from: bigint, to: bigint): Promise<Map<bigint, ResealedDigests> | { broken: bigint }> {
    const rows: Array<ResealRow & { checkpoint: string }> = await resealRows(this.knex, this.tenantId).whereBetween(
      'sequence',
      [from.toString(), to.toString()],
    );
    const found = new Map<bigint, ResealedDigests>();
    for (const { sequence, checkpoint, originalDigest, sealedDigest } of rows) {
      if (!(await this.verify(checkpoint))) return { broken: BigInt(sequence) };
      found.set(BigInt(sequence), { originalDigest, sealedDigest });
    }
    return found;
  }

  private async verify(position: string): Promise<boolean> {
    if (this.verified.has(position)) return true;
    const stored = await this.knex('personal_reseal_checkpoints')
      .first('document')
      .where({ tenant_id: this.tenantId, position });
    const document = stored?.document as ResealCheckpoint | undefined;
    if (!document) return false;
    const rows: ResealRow[] = await resealRows(this.knex, this.tenantId).where('checkpoint', position);
    const intact =
      document.kind === 'personalDataReseal' &&
      document.tenantId === this.tenantId &&
      String(document.position) === position &&
      verifyDocument(document, this.publicKeys) &&
      rows.length === document.events &&
      rows[0]?.sequence === document.fromSequence &&
      rows.at(-1)?.sequence === document.toSequence &&
      resealRowsDigest(rows) === document.digest;
    if (intact) this.verified.add(position);
    return intact;
  }
}
