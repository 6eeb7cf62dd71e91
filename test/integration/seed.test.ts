import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LOGINS, seedDemo, seedDemoKeys } from '../../src/modules/demo/seed.js';
import { seedDemoOrders, seedDemoRefunds } from '../../src/modules/demo/refunds.js';
import { seedDemoChannels } from '../../src/modules/demo/channels.js';
import { systemActor } from '../../src/platform/actor.js';
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
    const statements = await h.db.db
      .selectFrom('dispute_statements')
      .select(['party', 'state'])
      .orderBy('party')
      .execute();
    expect(statements).toEqual([
      { party: 'BUYER', state: 'SUBMITTED' },
      { party: 'MERCHANT', state: 'SUBMITTED' },
    ]);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('the demo channel shops: 淘宝, 拼多多 and 闲鱼 connected, and a 淘宝 order delivered by the sweeper', async () => {
    const { channels, sandboxChannels } = h.app.kameng;
    expect(await seedDemoChannels(channels, sandboxChannels)).toBe(true);
    expect(await seedDemoChannels(channels, sandboxChannels)).toBe(false);
    const shops = await h.db.db
      .selectFrom('channel_shops')
      .select(['channel', 'status'])
      .orderBy('channel')
      .execute();
    expect(shops).toEqual([
      { channel: 'PDD', status: 'ACTIVE' },
      { channel: 'TAOBAO', status: 'ACTIVE' },
      { channel: 'XIANYU', status: 'ACTIVE' },
    ]);
    for (let i = 0; i < 3; i++) {
      await h.testClock.advance(5_000, systemActor('test'));
      await h.app.kameng.sweep();
      await new Promise((r) => setTimeout(r, 20));
    }
    const delivered = await h.db.db
      .selectFrom('channel_orders')
      .select(['state', 'delivery_state'])
      .execute();
    expect(delivered).toEqual([{ state: 'DELIVERED', delivery_state: 'SENT' }]);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });
});
