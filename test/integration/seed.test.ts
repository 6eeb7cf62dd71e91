import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LOGINS, seedDemo } from '../../src/modules/demo/seed.js';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { harness, type Harness } from '../helpers/app.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe('demo seed', () => {
  it('two instances seeding at once seed it once, completely', async () => {
    const results = await Promise.all([seedDemo(h.ctx), seedDemo(h.ctx)]);
    expect(results.sort()).toEqual([false, true]);
    const users = await h.db.db.selectFrom('users').select('username').execute();
    expect(users.map((u) => u.username).sort()).toEqual(DEMO_LOGINS.map((l) => l.username).sort());
    const products = await h.db.db.selectFrom('products').select(['type', 'status']).execute();
    expect(new Set(products.map((p) => p.type))).toEqual(
      new Set(['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT']),
    );
    expect(products.every((p) => p.status === 'ON_SALE')).toBe(true);
    expect(await seedDemo(h.ctx)).toBe(false);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('demo logins work with the printed password', async () => {
    const c = h.client();
    expect((await c.login('chaohui', 'kameng-demo-2026')).body).toMatchObject({
      user: { memberLevel: 'SUPER' },
    });
  });
});
