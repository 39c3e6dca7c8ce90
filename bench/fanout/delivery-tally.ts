import { newHistogram, record } from './latency-histogram';

/**
 * What a client process received, per subscriber: counts, order, and commit-to-client latency
 * (from the event's recordedAt). The same work per message for live and raw frames: no JSON
 * parsing, two regexes, so that the two paths' latencies compare.
 */
export class DeliveryTally {
  private readonly counts: number[];
  private readonly last: number[];
  private outOfOrder = 0;
  private histogram = newHistogram();
  private cpuAtReset = process.cpuUsage();

  constructor(subscribers: number) {
    this.counts = new Array<number>(subscribers).fill(0);
    this.last = new Array<number>(subscribers).fill(0);
  }

  /** One text frame for subscriber `index`; anything but a `next` message is ignored. */
  count(index: number, data: string): void {
    if (!data.includes('"next"')) return;
    const recordedAt = /"recordedAt":"([^"]+)"/.exec(data)?.[1];
    const sequence = Number(/"sequence":"(\d+)"/.exec(data)?.[1]);
    if (recordedAt) record(this.histogram, Date.now() - Date.parse(recordedAt));
    if (sequence <= this.last[index]) this.outOfOrder += 1;
    this.last[index] = sequence;
    this.counts[index] += 1;
  }

  get total(): number {
    return this.counts.reduce((sum, n) => sum + n, 0);
  }

  reset(): void {
    this.counts.fill(0);
    this.outOfOrder = 0;
    this.histogram = newHistogram();
    this.cpuAtReset = process.cpuUsage();
  }

  /** Since the last reset; `cpuSeconds` is this process's own. */
  report() {
    const sorted = [...this.counts].sort((a, b) => a - b);
    const cpu = process.cpuUsage(this.cpuAtReset);
    const { total, outOfOrder, histogram } = this;
    return {
      min: sorted[0],
      max: sorted[sorted.length - 1],
      total,
      outOfOrder,
      histogram,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  }
}
