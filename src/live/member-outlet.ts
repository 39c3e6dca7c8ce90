import type { LiveMetrics } from './live-metrics';
import type { RenderedEvent } from './render-event';
import type { SocketWriter } from './socket-writer';

/** Where a feed member's frames go: its connection, and its subscription's id there. */
export interface MemberOutlet {
  writer: SocketWriter;
  subscriptionId: string;
}

/**
 * Writes one subscription's graphql-transport-ws `next` messages. A frame is the prefix built
 * once here, the event's JSON shared by the whole feed, and `}`: the text graphql-ws would send
 * for `{ id, type: 'next', payload }`, without serialising the payload again per subscriber.
 */
export class NextFrameWriter {
  private readonly prefix: string;

  constructor(
    private readonly outlet: MemberOutlet,
    private readonly metrics: LiveMetrics,
  ) {
    this.prefix = `{"id":${JSON.stringify(outlet.subscriptionId)},"type":"next","payload":`;
  }

  get congested(): boolean {
    return this.outlet.writer.congested;
  }

  write(event: RenderedEvent): void {
    this.outlet.writer.send(this.prefix + event.json + '}');
    this.metrics.eventsPushed.inc();
    this.metrics.commitToSend.observe((Date.now() - event.committedAt) / 1000);
  }

  whenDrained(resume: () => void): void {
    this.outlet.writer.whenDrained(resume);
  }

  forget(resume: () => void): void {
    this.outlet.writer.forget(resume);
  }
}
