import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/modules/accounts/passwords.js';

// The integration and browser projects hash at a test cost (test/helpers/argon2-test-cost.ts);
// this project is not aliased, so here is what production stores.
describe('password hashing in production', () => {
  it('is argon2id with 19 MiB, two passes, one lane (OWASP), and verifies', async () => {
    const stored = await hashPassword('correct-horse-1');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword(stored, 'correct-horse-1')).toBe(true);
    expect(await verifyPassword(stored, 'correct-horse-2')).toBe(false);
  });
});
