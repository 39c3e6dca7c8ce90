/**
 * When the batches a feed has yet to read were committed (from their notices), so that each event
 * is timed from its commit in the commit-to-send histogram, not from when it was recorded.
 */
export class CommitTimes {
  private times: Array<{ head: bigint; at: number }> = [];

  /** A batch up to `head` was committed at `at` (head 0: unknown). */
  add(head: bigint, at: number): void {
    this.times.push({ head, at });
  }

  /** A tenant's heads rise in commit order: the first batch reaching `sequence` holds it. */
  of(sequence: bigint): number | undefined {
    return this.times.find(({ head }) => head >= sequence)?.at;
  }

  /** Everything up to `cursor` was read: its batches are no longer needed. */
  forgetUpTo(cursor: bigint): void {
    this.times = this.times.filter(({ head }) => head > cursor);
  }
}
