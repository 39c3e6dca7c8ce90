import { StreamKind } from '../stream-enums';
import { datadogSink } from './datadog';
import { elasticSink } from './elastic';
import { sentinelSink } from './sentinel';
import type { Sink, SinkSetup } from './sink';
import { splunkHecSink } from './splunk-hec';
import { sumoLogicSink } from './sumo-logic';
import { syslogSink } from './syslog';
import { webhookSink } from './webhook';

const SINKS: Record<StreamKind, (setup: SinkSetup) => Sink> = {
  [StreamKind.WEBHOOK]: webhookSink,
  [StreamKind.SPLUNK_HEC]: splunkHecSink,
  [StreamKind.DATADOG]: datadogSink,
  [StreamKind.ELASTIC]: elasticSink,
  [StreamKind.SENTINEL]: sentinelSink,
  [StreamKind.SUMO_LOGIC]: sumoLogicSink,
  [StreamKind.SYSLOG]: syslogSink,
};

export const sinkFor = (kind: StreamKind, setup: SinkSetup): Sink => SINKS[kind](setup);
