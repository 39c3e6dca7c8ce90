import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { AuditPermission } from '../auth/permissions';

registerEnumType(AuditPermission, {
  name: 'AuditPermission',
  description: 'What a role may do with the audit log (see the README for the field each one opens).',
});

@ObjectType('AuditRole', {
  simpleResolvers: true,
  description: 'A role: built-in (ADMIN, AUDITOR) or the tenant’s own.',
})
export class AuditRole {
  @Field(() => String, { description: 'The value of the token’s `role` claim that gives these permissions.' })
  name!: string;
  @Field(() => [AuditPermission]) permissions!: AuditPermission[];
  @Field(() => Boolean, { description: 'True for ADMIN and AUDITOR, which cannot be changed.' }) builtIn!: boolean;
}
