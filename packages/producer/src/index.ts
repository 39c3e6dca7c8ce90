export { AuditClient, type AuditClientOptions, type AuditClientStats } from './client';
export { auditChange, type AuditChange } from './change-notes';
export { httpTransport, type HttpTransportOptions } from './http-transport';
export { natsTransport, type JetStreamPublisher, type NatsTransportOptions } from './nats-transport';
export { actionOf, auditPlugin, type AuditIdentity, type AuditPluginOptions } from './plugin';
export { REDACTED, type RedactionRule } from './redaction';
export { RejectedBatchError, type AuditTransport } from './transport';
export * from './types';
