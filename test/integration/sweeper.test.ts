/**
 * Deadlines fire once (spec §12 invariant 7), even when several sweeps run at the same time — as
 * they do with several app instances on one PostgreSQL database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { verifyLedger } from '../../src/modules/payments/ledger.js';
import { harness, type Harness } from '../helpers/app.js';
import { buy, fund, stocked } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
});
afterAll(() => h.close());

const count = async (action: string, ids: string[]) =>
  (
    await h.db.db
      .selectFrom('audit_events')
      .select('object_id')
      .where('action', '=', action)
      .where('object_id', 'in', ids)
      .execute()
  ).length;

describe('concurrent sweeps', () => {
  it('expire each unpaid order once and settle each delivered order once', async () => {
    const p = await stocked(h, 20);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    const unpaid: string[] = [];
    const paid: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await buy(b, p, 1, i % 2 ? 'ALIPAY' : 'WECHAT');
      expect(r.status).toBe(201);
      unpaid.push((r.body as { id: string }).id);
    }
    for (let i = 0; i < 6; i++) paid.push(((await buy(b, p, 1)).body as { id: string }).id);

    h.base.advance(16 * 60_000);
    const first = await Promise.all([h.app.kameng.sweep(), h.app.kameng.sweep(), h.app.kameng.sweep()]);
    expect(first.reduce((s, r) => s + r.postponed, 0)).toBe(0);
    expect(await count('order.expired', unpaid)).toBe(8);
    const released = await h.db.db
      .selectFrom('key_events')
      .select('key_id')
      .where('kind', '=', 'RELEASED')
      .where('key_id', 'in', h.db.db.selectFrom('keys').select('id').where('product_id', '=', p.productId))
      .execute();
    expect(released).toHaveLength(8);
    expect(new Set(released.map((r) => r.key_id)).size).toBe(8);

    h.base.advance(8 * 86_400_000);
    await Promise.all([h.app.kameng.sweep(), h.app.kameng.sweep(), h.app.kameng.sweep()]);
    expect(await count('order.settled', paid)).toBe(6);
    const settlements = await h.db.db
      .selectFrom('ledger_transactions')
      .select('reference_id')
      .where('kind', '=', 'SETTLEMENT')
      .where('reference_id', 'in', paid)
      .execute();
    expect(settlements).toHaveLength(6);
    const open = await h.db.db
      .selectFrom('deadlines')
      .select('id')
      .where('object_id', 'in', [...unpaid, ...paid])
      .where('state', '=', 'OPEN')
      .execute();
    expect(open).toHaveLength(0);
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });
});
