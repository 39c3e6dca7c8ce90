import type { AuditEvent } from '../../src/events/audit-event.type';
import { ActorType, AuditAction, AuditCategory, AuditSource, categoryOfAction } from '../../src/events/enums';
import { ecsDocument } from '../../src/streams/formats/ecs';
import { nativeDocument } from '../../src/streams/formats/native';
import { ocsfDocument } from '../../src/streams/formats/ocsf';
import { RecordShape, StreamEvent } from '../../src/streams/delivery/stream-event';
import { StreamFormat } from '../../src/streams/stream-enums';

const occurredAt = new Date('2026-05-04T09:30:00.000Z');
const recordedAt = new Date('2026-05-04T09:30:01.250Z');

function event(action: AuditAction, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: '5f0c7e0e-2a8b-4d0b-9a55-0d9d2d1f8c11',
    tenantId: 'acme',
    sequence: '42',
    occurredAt,
    recordedAt,
    actor: { id: 'u-jane', email: 'jane@acme.test', role: 'SALES', type: ActorType.USER, impersonatorId: null },
    action,
    category: categoryOfAction(action),
    entityType: null,
    entityId: null,
    changes: [],
    source: AuditSource.UI,
    ipAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    sessionId: 'sess-1',
    location: null,
    metadata: null,
    redactedFields: [],
    ...extra,
  };
}

describe('NATIVE', () => {
  it('is the event as the API shows it, instants in ISO-8601', () => {
    expect(nativeDocument(event(AuditAction.LOGIN))).toMatchObject({
      id: '5f0c7e0e-2a8b-4d0b-9a55-0d9d2d1f8c11',
      sequence: '42',
      occurredAt: '2026-05-04T09:30:00.000Z',
      recordedAt: '2026-05-04T09:30:01.250Z',
      action: 'LOGIN',
      category: AuditCategory.SECURITY,
    });
  });
});

// Expected documents written from the OCSF 1.3.0 class pages (schema.ocsf.io): Authentication [3002] requires
// activity_id, category_uid, class_uid, metadata (version), severity_id, time, type_uid and user; src_endpoint,
// actor, status_id, is_mfa are recommended or optional attributes of the class.
describe('OCSF 1.3', () => {
  it('writes a failed login as Authentication (3002) Logon, status Failure, type_uid 300201', () => {
    expect(ocsfDocument(event(AuditAction.LOGIN_FAILED))).toEqual({
      activity_id: 1,
      activity_name: 'Logon',
      category_uid: 3,
      category_name: 'Identity & Access Management',
      class_uid: 3002,
      class_name: 'Authentication',
      type_uid: 300201,
      type_name: 'Authentication: Logon',
      severity_id: 3,
      severity: 'Medium',
      status_id: 2,
      status: 'Failure',
      time: occurredAt.getTime(),
      message: 'LOGIN_FAILED by jane@acme.test',
      metadata: {
        version: '1.3.0',
        uid: '5f0c7e0e-2a8b-4d0b-9a55-0d9d2d1f8c11',
        sequence: 42,
        logged_time: recordedAt.getTime(),
        tenant_uid: 'acme',
        product: { name: 'audit-subgraph', vendor_name: 'CRM', feature: { name: 'UI' } },
      },
      actor: {
        user: { uid: 'u-jane', email_addr: 'jane@acme.test', type_id: 1, type: 'User' },
        session: { uid: 'sess-1' },
      },
      src_endpoint: { ip: '203.0.113.7' },
      http_request: { user_agent: 'Mozilla/5.0' },
      user: { uid: 'u-jane', email_addr: 'jane@acme.test', type_id: 1, type: 'User' },
      is_mfa: false,
      session: { uid: 'sess-1' },
      unmapped: { action: 'LOGIN_FAILED', category: 'SECURITY', actor_role: 'SALES' },
    });
  });

  it.each([
    [AuditAction.LOGIN, 3002, 1, 300201],
    [AuditAction.LOGOUT, 3002, 2, 300202],
    [AuditAction.MFA_CHALLENGE, 3002, 1, 300201],
    [AuditAction.PASSWORD_CHANGE, 3001, 3, 300103],
    [AuditAction.ACCOUNT_LOCKOUT, 3001, 9, 300109],
    [AuditAction.MFA_ENROLL, 3001, 10, 300110],
    [AuditAction.ROLE_CHANGE, 3005, 1, 300501],
    [AuditAction.PERMISSION_CHANGE, 3005, 1, 300501],
    [AuditAction.CONFIG_CHANGE, 3004, 3, 300403],
    [AuditAction.CREATE, 6003, 1, 600301],
    [AuditAction.VIEW, 6003, 2, 600302],
    [AuditAction.UPDATE, 6003, 3, 600303],
    [AuditAction.DELETE, 6003, 4, 600304],
    [AuditAction.API_CALL, 6003, 99, 600399],
  ])('writes %s as class %i activity %i (type_uid %i)', (action, classUid, activityId, typeUid) => {
    const document = ocsfDocument(event(action, { entityType: 'User', entityId: 'u-bob' }));
    expect(document).toMatchObject({ class_uid: classUid, activity_id: activityId, type_uid: typeUid });
    expect(document.type_uid).toBe((document.class_uid as number) * 100 + (document.activity_id as number));
    expect(document.category_uid).toBe(Math.floor(classUid / 1000));
  });

  it('names the record of an API Activity in resources and the operation in api', () => {
    const document = ocsfDocument(
      event(AuditAction.UPDATE, {
        entityType: 'Opportunity',
        entityId: 'opp-9',
        changes: [{ field: 'stage', oldValue: 'Qualification', newValue: 'Proposal' }],
      }),
    );
    expect(document).toMatchObject({
      api: { operation: 'UPDATE', service: { name: 'audit-subgraph' } },
      resources: [{ uid: 'opp-9', type: 'Opportunity' }],
      unmapped: { changes: [{ field: 'stage', oldValue: 'Qualification', newValue: 'Proposal' }] },
    });
  });

  it('names the user whose privileges changed in User Access Management', () => {
    const document = ocsfDocument(
      event(AuditAction.ROLE_CHANGE, {
        entityType: 'User',
        entityId: 'u-bob',
        changes: [{ field: 'role', oldValue: 'SALES', newValue: 'ADMIN' }],
      }),
    );
    expect(document).toMatchObject({ user: { uid: 'u-bob' }, privileges: ['role="ADMIN"'] });
  });
});

// Expected documents written from the ECS 8.11 field reference (elastic.co/guide/en/ecs/8.11): event.category and
// event.type take only their listed allowed values; event.outcome is success, failure or unknown.
describe('ECS 8.11', () => {
  const CATEGORIES = [
    'authentication',
    'configuration',
    'database',
    'driver',
    'email',
    'file',
    'host',
    'iam',
    'intrusion_detection',
    'library',
    'malware',
    'network',
    'package',
    'process',
    'registry',
    'session',
    'threat',
    'vulnerability',
    'web',
  ];
  const TYPES = [
    'access',
    'admin',
    'allowed',
    'change',
    'connection',
    'creation',
    'deletion',
    'denied',
    'end',
    'error',
    'group',
    'indicator',
    'info',
    'installation',
    'protocol',
    'start',
    'user',
  ];

  it('writes a failed login', () => {
    expect(
      ecsDocument(
        event(AuditAction.LOGIN_FAILED, {
          location: { country: 'FR', region: null, city: 'Paris', latitude: 48.85, longitude: 2.35 },
        }),
      ),
    ).toEqual({
      '@timestamp': '2026-05-04T09:30:00.000Z',
      ecs: { version: '8.11.0' },
      message: 'LOGIN_FAILED by jane@acme.test',
      event: {
        id: '5f0c7e0e-2a8b-4d0b-9a55-0d9d2d1f8c11',
        sequence: 42,
        kind: 'event',
        category: ['authentication'],
        type: ['start'],
        action: 'login_failed',
        outcome: 'failure',
        created: '2026-05-04T09:30:01.250Z',
        dataset: 'audit_subgraph.audit',
        provider: 'ui',
      },
      user: { id: 'u-jane', email: 'jane@acme.test', roles: ['SALES'] },
      organization: { id: 'acme' },
      source: {
        ip: '203.0.113.7',
        geo: { country_iso_code: 'FR', city_name: 'Paris', location: { lat: 48.85, lon: 2.35 } },
      },
      user_agent: { original: 'Mozilla/5.0' },
      related: { user: ['u-jane'], ip: ['203.0.113.7'] },
      labels: { actor_type: 'USER', session_id: 'sess-1' },
      audit: { category: 'SECURITY' },
    });
  });

  it.each(Object.values(AuditAction))('categorises %s with allowed values only', (action) => {
    const document = ecsDocument(event(action)) as { event: { category: string[]; type: string[]; outcome: string } };
    expect(document.event.category.length).toBeGreaterThan(0);
    for (const category of document.event.category) expect(CATEGORIES).toContain(category);
    for (const type of document.event.type) expect(TYPES).toContain(type);
    expect(['success', 'failure', 'unknown']).toContain(document.event.outcome);
  });

  it('names the user a change targets', () => {
    expect(ecsDocument(event(AuditAction.ROLE_CHANGE, { entityType: 'User', entityId: 'u-bob' }))).toMatchObject({
      event: { category: ['iam'], type: ['user', 'group', 'change', 'admin'], action: 'role_change' },
      user: { id: 'u-jane', target: { id: 'u-bob' } },
    });
  });
});

describe('records shared by the streams of a tenant', () => {
  it('are formatted and serialised once per format and masking', () => {
    const shared = new StreamEvent(event(AuditAction.LOGIN), []);
    const native = new RecordShape(StreamFormat.NATIVE, null);
    const record = shared.recordFor(native);
    expect(shared.recordFor(new RecordShape(StreamFormat.NATIVE, null))).toBe(record);
    expect(record.json).toBe(JSON.stringify(nativeDocument(event(AuditAction.LOGIN))));
    const masked = shared.recordFor(new RecordShape(StreamFormat.NATIVE, { personalFields: new Map() }));
    expect(masked).not.toBe(record);
    expect(masked.document).toMatchObject({ actor: { email: null }, ipAddress: null });
    expect(shared.recordFor(new RecordShape(StreamFormat.ECS, null)).document).toEqual(
      ecsDocument(event(AuditAction.LOGIN)),
    );
  });
});
