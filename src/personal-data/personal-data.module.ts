import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { PERSONAL_FIELD_SOURCE } from '../events/redaction';
import { personalFieldSource } from './personal-field-source';
import { Migration20261201130000PersonalFields } from './migrations/Migration20261201130000_personal_fields';
import { PersonalFieldEntity } from './personal-field.entity';
import { PersonalFieldsResolver } from './personal-fields.resolver';

/** Which entity fields each tenant marks personal; read per request by callers shown masked events. */
export const personalDataModule: AuditModule = {
  name: 'personal-data',
  resolvers: [PersonalFieldsResolver],
  rules: {
    Query: { personalFields: can(AuditPermission.READ_EVENTS) },
    Mutation: { setPersonalFields: can(AuditPermission.MANAGE_ROLES) },
  },
  openTypes: ['AuditPersonalFields'],
  entities: [PersonalFieldEntity],
  migrations: [{ name: 'Migration20261201130000_personal_fields', class: Migration20261201130000PersonalFields }],
  async start({ db, services }) {
    services.provide(PERSONAL_FIELD_SOURCE, personalFieldSource(db.knex));
  },
};
