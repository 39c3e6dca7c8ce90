import canonicalize from 'canonicalize';
import { canonicalContent, type EventContent } from '../../src/events/canonical-content';

const base: EventContent = {
  tenantId: 'acme',
  actor: { id: 'u1', email: 'jane@acme.com', role: null, type: 'USER', impersonatorId: null },
  action: 'UPDATE',
  entityType: 'Lead',
  entityId: 'lead-1',
  changes: [],
  source: 'UI',
  ipAddress: '203.0.113.9',
  userAgent: 'Mozilla/5.0 "quoted" \\ back\tslash',
  sessionId: null,
  location: null,
  metadata: null,
};

/** The content as `canonicalize` (the RFC 8785 reference) writes it, keys sorted at every level. */
const reference = (content: EventContent) =>
  canonicalize({
    ...content,
    changes: content.changes.map(({ field, oldValue, newValue }) => ({
      field,
      oldValue: oldValue ?? null,
      newValue: newValue ?? null,
    })),
    location: content.location ?? null,
    metadata: content.metadata ?? null,
  });

describe('canonicalContent', () => {
  it.each([
    ['no free-form values', base],
    [
      'field changes with nested objects, arrays, numbers and unicode',
      {
        ...base,
        changes: [
          { field: 'address', oldValue: { zip: '75001', city: 'Paris' }, newValue: { city: 'Lyon', zip: '69001' } },
          { field: 'amount', oldValue: 1e21, newValue: 0.1 + 0.2 },
          { field: 'tags', oldValue: ['b', 'a'], newValue: undefined },
          { field: 'name', oldValue: 'é\u2028😀', newValue: '\u0007' },
        ],
      },
    ],
    ['keys JavaScript reorders (integer-like) in metadata', { ...base, metadata: { b: 1, 10: 'x', 2: 'y', a: [{}] } }],
    [
      'a location and unordered metadata',
      { ...base, location: { latitude: 48.85, city: 'Paris' }, metadata: { z: 1, a: { d: 2, c: 3 } } },
    ],
  ])('writes RFC 8785 JSON: %s', (_name, content) => {
    const canonical = canonicalContent(content);
    expect(canonical.text).toBe(reference(content));
    expect(JSON.parse(canonical.text)).toEqual(JSON.parse(reference(content)!));
  });

  it('gives the stored parts as the same canonical JSON the text holds', () => {
    const content = {
      ...base,
      changes: [{ field: 'x', oldValue: { b: 1, a: 2 }, newValue: null }],
      metadata: { k: 'v' },
    };
    const canonical = canonicalContent(content);
    const parsed = JSON.parse(canonical.text);
    expect(canonical.changes).toBe(canonicalize(parsed.changes));
    expect(canonical.location).toBe('null');
    expect(canonical.metadata).toBe('{"k":"v"}');
    expect(canonical.text).toContain(`"changes":${canonical.changes},`);
  });
});
