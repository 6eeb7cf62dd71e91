import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LOGINS, seedDemo, seedDemoKeys } from '../../src/modules/demo/seed.js';
import { seedDemoOrders, seedDemoRefunds } from '../../src/modules/demo/refunds.js';
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

  it('the demo after-sales: a request in review and a dispute waiting for the arbitrator', async () => {
    await seedDemoKeys(h.app.kameng.ctx);
    await seedDemoOrders(h.app.kameng.ctx);
    expect(await seedDemoRefunds(h.app.kameng.ctx)).toBe(true);
    expect(await seedDemoRefunds(h.app.kameng.ctx)).toBe(false);
    const disputes = await h.db.db.selectFrom('disputes').selectAll().execute();
    expect(disputes.map((d) => d.state)).toEqual(['ARBITRATION']);
    const statements = await h.db.db.selectFrom('dispute_statements').select(['party', 'state']).orderBy('party').execute();
    expect(statements).toEqual([
      { party: 'BUYER', state: 'SUBMITTED' },
      { party: 'MERCHANT', state: 'SUBMITTED' },
    ]);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });
});
