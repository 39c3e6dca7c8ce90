import { ActorType, AuditSource } from '../../src/events/enums';
import { actorOf, by, PEOPLE, via } from './cast';
import { change, on, type History } from './history';
import { workdayFrom } from './schedule';

/** The event whose time fixes the history's start: at 07:00 UTC on day 0. */
export const START_MARKER_KEY = 'settings:require-mfa';
export const START_MARKER_HOURS = 7;

/** Tenant administration: settings, an API token, a new hire, role and permission changes, an impersonation. */
export function generateAdministration(history: History): void {
  const { dana, emma, olivia } = PEOPLE;
  const admin = by(dana);
  const onWorkday = (day: number, hours: number) => history.at(workdayFrom(history, day), hours);
  const settings = on('OrganizationSettings', history.tenant);

  history.add(START_MARKER_KEY, history.at(0, START_MARKER_HOURS), 'CONFIG_CHANGE', {
    ...settings,
    ...admin,
    changes: [change('mfaRequired', false, true), change('sessionTimeoutMinutes', 720, 480)],
  });
  const toMarketing = [change('role', 'SALES_REP', 'MARKETING')];
  history.add('olivia:to-marketing', onWorkday(2, 9.2), 'ROLE_CHANGE', {
    ...on('User', olivia.id),
    ...admin,
    changes: toMarketing,
  });
  const token = { name: 'HubSpot sync', scopes: ['leads:write', 'contacts:write'], expiresInDays: 365 };
  history.add('token:hubspot', onWorkday(5, 10.4), 'TOKEN_CREATED', {
    ...on('ApiToken', 'tok_hubspot_2'),
    ...admin,
    metadata: token,
  });
  const hire = { email: emma.email, role: 'SALES_REP', team: 'EMEA' };
  history.add('emma:create', history.at(emma.since ?? 10, 9.5), 'CREATE', {
    ...on('User', emma.id),
    ...admin,
    after: hire,
  });

  // Support: the admin acts as emma.davis to fix a lead she could not reassign.
  const support = onWorkday(12, 14.3);
  const ticket = { reason: 'Support ticket SUP-311' };
  history.add('support:impersonate', support, 'IMPERSONATION', { ...on('User', emma.id), ...admin, metadata: ticket });
  history.add('support:fix', new Date(support.getTime() + 4 * 60_000), 'UPDATE', {
    ...on('Lead', 'L-1005'),
    ...via({ ...actorOf(emma), impersonatorId: dana.id }, AuditSource.UI),
    changes: [change('ownerId', null, emma.id)],
  });

  const permissions = [
    change('permissions', ['leads:read', 'leads:write'], ['leads:read', 'leads:write', 'export:leads']),
  ];
  history.add('olivia:export-permission', onWorkday(15, 11.1), 'PERMISSION_CHANGE', {
    ...on('User', olivia.id),
    ...admin,
    changes: permissions,
  });
  const retention = [change('auditRetentionDays', 365, 730)];
  history.add('retention', onWorkday(25, 16.5), 'RETENTION_CHANGE', { ...settings, ...admin, changes: retention });
  const cleanup = { recordCount: 18, filter: 'status:Unqualified, untouched for 2 years' };
  history.add('cleanup:stale-leads', onWorkday(28, 15), 'BULK_DELETE', { ...on('Lead'), ...admin, metadata: cleanup });
  const scim = via({ id: 'okta-scim', type: ActorType.SERVICE }, AuditSource.INTEGRATION);
  history.add('sso:config', onWorkday(33, 10.2), 'CONFIG_CHANGE', {
    ...settings,
    ...scim,
    changes: [change('ssoProvider', null, 'okta')],
  });
}
