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
 * What a re-sealing checkpoint signs: a run of re-sealed events of one tenant (`events` rows of
 * `personal_reseals` between `fromSequence` and `toSequence`, `digest` over them) and the chain head when
 * they were sealed.
 */
export interface ResealCheckpointFields extends Record<string, unknown> {
  kind: 'personalDataReseal';
  tenantId: string;
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

const rowsBetween = (knex: Knex, tenantId: string, from: string, to: string): Promise<ResealRow[]> =>
  knex('personal_reseals')
    // A bigint arrives as a string; ordered as a number (a text column of that name would order as text).
    .select('sequence', 'original_digest as originalDigest', 'sealed_digest as sealedDigest')
    .where('tenant_id', tenantId)
    .whereBetween('sequence', [from, to])
    .orderBy('sequence');

/**
 * The recorded digests of a tenant's re-sealed events, for a verifier walking its chain in order: a
 * row counts only inside a re-sealing checkpoint whose signature verifies and whose digest, row count
 * and range match the rows stored, so that a row altered, added or removed shows.
 */
export class ResealedEvents {
  /** The rows of the checkpoints verified and not yet walked past, by first sequence. */
  private readonly verified = new Map<string, { to: bigint; rows: ResealRow[] }>();

  constructor(
    private readonly knex: Knex,
    private readonly tenantId: string,
    private readonly publicKeys: readonly PublicJwk[],
  ) {}

  /**
   * The recorded digests of the re-sealed events in [from, to], by sequence; or the first sequence of a
   * checkpoint in that range that does not verify. Called with rising ranges.
   */
  async between(from: bigint, to: bigint): Promise<Map<bigint, ResealedDigests> | { broken: bigint }> {
    for (const [first, { to: last }] of this.verified) if (last < from) this.verified.delete(first);
    const documents: Array<{ document: ResealCheckpoint }> = await this.knex('personal_reseal_checkpoints')
      .select('document')
      .where('tenant_id', this.tenantId)
      .where('to_sequence', '>=', from.toString())
      .where('from_sequence', '<=', to.toString())
      .orderBy('from_sequence');
    const found = new Map<bigint, ResealedDigests>();
    for (const { document } of documents) {
      let checked = this.verified.get(document.fromSequence);
      if (!checked) {
        const rows = await rowsBetween(this.knex, this.tenantId, document.fromSequence, document.toSequence);
        const intact =
          document.kind === 'personalDataReseal' &&
          document.tenantId === this.tenantId &&
          verifyDocument(document, this.publicKeys) &&
          rows.length === document.events &&
          resealRowsDigest(rows) === document.digest;
        const first = BigInt(document.fromSequence);
        if (!intact) return { broken: first > from ? first : from };
        checked = { to: BigInt(document.toSequence), rows };
        this.verified.set(document.fromSequence, checked);
      }
      for (const { sequence, originalDigest, sealedDigest } of checked.rows) {
        const at = BigInt(sequence);
        if (at >= from && at <= to) found.set(at, { originalDigest, sealedDigest });
      }
    }
    return found;
  }
}
