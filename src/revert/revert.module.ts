import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { REVERT_SETTINGS, revertSettings, revertSettingsFrom } from './revert-settings';
import { RevertResolver } from './revert.resolver';

/** Undoing a change by asking the subgraph that owns the record. */
export const revertModule: AuditModule = {
  name: 'revert',
  resolvers: [RevertResolver],
  rules: { Mutation: { revertAuditChange: can(AuditPermission.REVERT) } },
  openTypes: ['AuditRevertResult'],
  settings: revertSettings,
  async start({ config, services }) {
    services.provide(REVERT_SETTINGS, revertSettingsFrom(config.settings.of(revertSettings)));
  },
};
