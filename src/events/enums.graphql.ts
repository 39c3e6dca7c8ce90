import { registerEnumType } from 'type-graphql';
import { ActorType, AuditAction, AuditCategory, AuditSource } from './enums';

registerEnumType(ActorType, {
  name: 'ActorType',
  description: 'Who performed an action: a person, a service, or the system itself.',
});
registerEnumType(AuditSource, { name: 'AuditSource', description: 'Through which channel the action came.' });
registerEnumType(AuditCategory, {
  name: 'AuditCategory',
  description: 'The family of an action; derived from the action.',
});
registerEnumType(AuditAction, {
  name: 'AuditAction',
  description: 'What was done. Each action belongs to one category.',
});
