import { registerEnumType } from 'type-graphql';

export enum StreamKind {
  WEBHOOK = 'WEBHOOK',
  SPLUNK_HEC = 'SPLUNK_HEC',
  DATADOG = 'DATADOG',
  ELASTIC = 'ELASTIC',
  SENTINEL = 'SENTINEL',
  SUMO_LOGIC = 'SUMO_LOGIC',
  SYSLOG = 'SYSLOG',
}

export enum StreamFormat {
  NATIVE = 'NATIVE',
  OCSF = 'OCSF',
  ECS = 'ECS',
}

export enum StreamStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  FAILING = 'FAILING',
}

registerEnumType(StreamKind, { name: 'StreamKind', description: 'The sink a stream delivers to, and its protocol.' });
registerEnumType(StreamFormat, {
  name: 'StreamFormat',
  description: 'NATIVE (the event as the API shows it), OCSF 1.3 or ECS 8.11 documents.',
});
registerEnumType(StreamStatus, {
  name: 'StreamStatus',
  description: 'ACTIVE; PAUSED (disabled); FAILING (the sink refuses or is unreachable: retried, its place kept).',
});
