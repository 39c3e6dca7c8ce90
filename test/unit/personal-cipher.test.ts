import { randomBytes } from 'node:crypto';
import { seal, unseal, type DataKey } from '../../src/erasure/personal-cipher';

const key = (): DataKey => ({ id: randomBytes(12).toString('base64url'), key: randomBytes(32) });

describe('sealing personal values', () => {
  it('seals a value to the same text under the same key, and to another under another key', () => {
    const alice = key();
    const text = seal(alice, 'alice@example.com');
    expect(seal({ id: alice.id, key: alice.key }, 'alice@example.com')).toBe(text);
    expect(seal(key(), 'alice@example.com')).not.toBe(text);
  });

  it('opens what it sealed, a value of its own each time it is opened', () => {
    const alice = key();
    const location = { country: 'FR', city: 'Lyon' };
    const sealed = seal(alice, location);
    const first = unseal(alice, sealed) as typeof location;
    expect(first).toEqual(location);
    first.city = 'changed by a reader';
    expect(unseal(alice, sealed)).toEqual(location);
  });

  it('refuses a text sealed under another key, however often it was opened under its own', () => {
    const alice = key();
    const sealed = seal(alice, '198.51.100.7');
    expect(unseal(alice, sealed)).toBe('198.51.100.7');
    expect(() => unseal({ id: alice.id, key: randomBytes(32) }, sealed)).toThrow();
  });
});
