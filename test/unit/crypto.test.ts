import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoError, HmacSha256, MasterKey, open, seal } from '../../src/platform/crypto.js';
import { newOrderedId, randomFromPool } from '../../src/platform/ids.js';

describe('HmacSha256', () => {
  it('equals Node’s HMAC-SHA256 for any key length and message (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 130 }), fc.string(), (key, msg) => {
        const k = Buffer.from(key);
        const h = new HmacSha256(k);
        const expected = createHmac('sha256', k).update(msg, 'utf8').digest();
        return h.digest(msg).equals(expected) && h.digest(msg).equals(expected); // reusable
      }),
    );
  });
  it('stays exact for messages longer than its reused buffer, and for short ones after them', () => {
    const key = randomBytes(32);
    const h = new HmacSha256(key);
    for (const msg of ['a', '卡'.repeat(400), 'x'.repeat(5000), 'short again']) {
      expect(h.digest(msg)).toEqual(createHmac('sha256', key).update(msg, 'utf8').digest());
    }
  });
});

describe('AES-256-GCM envelope', () => {
  it('round-trips, and fails on a wrong key, tampered bytes or other associated data', () => {
    const key = randomBytes(32);
    const sealed = seal(key, Buffer.from('卡密 secret'), Buffer.from('key-1'));
    expect(open(key, sealed, Buffer.from('key-1')).toString()).toBe('卡密 secret');
    expect(() => open(randomBytes(32), sealed, Buffer.from('key-1'))).toThrow(CryptoError);
    expect(() => open(key, sealed, Buffer.from('key-2'))).toThrow(CryptoError);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => open(key, tampered, Buffer.from('key-1'))).toThrow(/authentication failed/);
  });

  it('the master key never shows itself in JSON or inspection, and rejects bad input', () => {
    const mk = MasterKey.generate();
    expect(JSON.stringify({ mk })).not.toContain(mk.toBase64());
    expect(MasterKey.parse(mk.toBase64()).fingerprint).toBe(mk.fingerprint);
    expect(() => MasterKey.parse('c2hvcnQ=')).toThrow(/32 random bytes/);
    const wrapped = mk.wrap('dk-1', Buffer.alloc(32, 9));
    expect(mk.unwrap('dk-1', wrapped)).toEqual(Buffer.alloc(32, 9));
    expect(() => MasterKey.generate().unwrap('dk-1', wrapped)).toThrow(CryptoError);
  });
});

describe('ids and randomness', () => {
  it('UUIDv7 ids sort in creation order, even many per millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newOrderedId(1_795_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('the random pool never hands out the same bytes twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(randomFromPool(12).toString('hex'));
    expect(seen.size).toBe(20_000);
  });
});
