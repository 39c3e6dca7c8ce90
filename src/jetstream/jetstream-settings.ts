import { positive, text } from '../core/settings';

/** The JetStream ingest path's variables (README: "Producers and NATS JetStream"). */
export const jetStreamSettings = {
  NATS_URL: text({
    default: undefined,
    desc: 'NATS server(s) with JetStream, comma-separated (`nats://host:4222`); the subgraph then also stores the events published on `<NATS_SUBJECT_PREFIX>.events.<tenantId>` (unset: off)',
  }),
  NATS_STREAM: text({ default: 'AUDIT_EVENTS', desc: 'the JetStream stream of events, created when missing' }),
  NATS_SUBJECT_PREFIX: text({
    default: 'audit',
    desc: 'events arrive on `<prefix>.events.<tenantId>`; messages that can never be stored are republished on `<prefix>.rejected.<tenantId>`',
  }),
  NATS_CONSUMER: text({
    default: 'audit-subgraph',
    desc: 'the durable pull consumer the replicas share (created when missing)',
  }),
  NATS_ACK_WAIT_MS: positive({
    default: 30_000,
    desc: 'a message taken by a replica that neither acknowledges nor refuses it within this time goes to another (a crashed replica)',
  }),
  NATS_PULL_AHEAD: positive({
    default: 4_000,
    desc: 'messages one replica holds pulled ahead of its writes (its share of the backlog, and its memory bound)',
  }),
} as const;
