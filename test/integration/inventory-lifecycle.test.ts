import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverKeys,
  releaseReservation,
  reserveKeys,
  returnToStock,
  voidUnitKeys,
} from '../../src/modules/inventory/allocation.js';
import { systemActor } from '../../src/platform/actor.js';
import { DomainError } from '../../src/platform/errors.js';
import { constraintKind } from '../../src/platform/db/dialect.js';
import { redeemKey } from '../../src/modules/inventory/registry.js';
import type { Actor } from '../../src/platform/actor.js';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { importLines, product, shop, units, type Shop } from '../helpers/inventory.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';

let h: Harness;
let s: Shop;
beforeAll(async () => {
  h = await harness();
  s = await shop(h);
});
afterAll(() => h.close());

const sys = () => ({ engine: h.db.engine, actor: systemActor('checkout'), at: h.ctx.clock.now() });
const stateOf = async (unitId: string) =>
  await h.db.db
    .selectFrom('keys')
    .select(['id', 'state'])
    .where('unit_id', '=', unitId)
    .executeTakeFirstOrThrow();

/** A buyer who owns `n` delivered (sealed) units of a fresh product with the given lines. */
async function delivered(
  lines: string[],
  n: number,
): Promise<{ buyer: Client & { userId: string }; unitIds: string[]; productId: string }> {
  const p = await product(h, s);
  await importLines(h, s, p.id, lines);
  const buyer = await h.loggedIn({ role: 'buyer' });
  const unitIds = await units(h, p.id, p.policyId, buyer.userId, n);
  await unitOfWork(h.ctx, async (trx) => {
    await reserveKeys(trx, sys(), { productId: p.id, buyerId: buyer.userId, unitIds });
    await deliverKeys(trx, sys(), unitIds);
  });
  return { buyer, unitIds, productId: p.id };
}

describe('allocation', () => {
  it('reserves oldest first, delivers sealed, and refuses to oversell (all or nothing)', async () => {
    const p = await product(h, s);
    await importLines(h, s, p.id, ['R1 a', 'R2 b', 'R3 c']);
    const buyer = await h.account({ role: 'buyer' });
    const u = await units(h, p.id, p.policyId, buyer.id, 4);
    await expect(
      unitOfWork(h.ctx, (trx) => reserveKeys(trx, sys(), { productId: p.id, buyerId: buyer.id, unitIds: u })),
    ).rejects.toMatchObject({ code: 'inventory.out_of_stock' });
    expect(
      (await h.db.db.selectFrom('keys').select('state').where('product_id', '=', p.id).execute()).every(
        (k) => k.state === 'AVAILABLE',
      ),
    ).toBe(true);
    const pairs = await unitOfWork(h.ctx, (trx) =>
      reserveKeys(trx, sys(), { productId: p.id, buyerId: buyer.id, unitIds: u.slice(0, 2) }),
    );
    const lines = await h.db.db
      .selectFrom('keys')
      .select(['id', 'line_no'])
      .where(
        'id',
        'in',
        pairs.map((x) => x.keyId),
      )
      .orderBy('line_no')
      .execute();
    expect(lines.map((l) => l.line_no)).toEqual([1, 2]);
    await unitOfWork(h.ctx, (trx) => deliverKeys(trx, sys(), u.slice(0, 2)));
    const k = await h.db.db
      .selectFrom('keys')
      .selectAll()
      .where('unit_id', '=', u[0])
      .executeTakeFirstOrThrow();
    expect(k).toMatchObject({ state: 'SEALED', delivered_at: h.ctx.clock.now().toISOString() });
  });

  it('release, sealed return and revealed void follow the lifecycle; anything else is refused', async () => {
    const { buyer, unitIds } = await delivered(['L1 a', 'L2 b', 'L3 c'], 3);
    // a sealed key returns to stock and forgets its buyer
    await unitOfWork(h.ctx, (trx) => returnToStock(trx, sys(), [unitIds[0]]));
    const back = await h.db.db
      .selectFrom('keys')
      .selectAll()
      .where('line_no', '=', 1)
      .where('state', '=', 'AVAILABLE')
      .execute();
    expect(back).toHaveLength(1);
    // a revealed key cannot go back to stock, only be voided
    expect((await buyer.post(`/api/units/${unitIds[1]}/reveal`)).status).toBe(200);
    await expect(unitOfWork(h.ctx, (trx) => returnToStock(trx, sys(), [unitIds[1]]))).rejects.toBeInstanceOf(
      DomainError,
    );
    await unitOfWork(h.ctx, (trx) => voidUnitKeys(trx, sys(), [unitIds[1]]));
    expect((await stateOf(unitIds[1])).state).toBe('VOIDED');
    // a delivered key cannot be "released" like an unpaid reservation
    await expect(
      unitOfWork(h.ctx, (trx) => releaseReservation(trx, sys(), [unitIds[2]])),
    ).rejects.toMatchObject({
      code: 'inventory.key_conflict',
    });
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('50 simultaneous reservations against 20 keys: exactly 20 keys out, none twice', async () => {
    const p = await product(h, s);
    await importLines(
      h,
      s,
      p.id,
      Array.from({ length: 20 }, (_, i) => `CC${i} pw${i}`),
    );
    const buyer = await h.account({ role: 'buyer' });
    const u = await units(h, p.id, p.policyId, buyer.id, 50);
    const results = await Promise.allSettled(
      u.map((unitId) =>
        unitOfWork(h.ctx, (trx) =>
          reserveKeys(trx, sys(), { productId: p.id, buyerId: buyer.id, unitIds: [unitId] }),
        ),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value[0].keyId);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(20);
    expect(new Set(ok).size).toBe(20);
    expect(failed).toHaveLength(30);
    for (const f of failed) expect(f.reason).toMatchObject({ code: 'inventory.out_of_stock' });
    const reserved = await h.db.db
      .selectFrom('keys')
      .select(['unit_id'])
      .where('product_id', '=', p.id)
      .where('state', '=', 'RESERVED')
      .execute();
    expect(new Set(reserved.map((r) => r.unit_id)).size).toBe(20);
  });

  it('the database refuses a second live key for one unit', async () => {
    const { unitIds, productId } = await delivered(['U1 a', 'U2 b'], 1);
    const spare = await h.db.db
      .selectFrom('keys')
      .select('id')
      .where('product_id', '=', productId)
      .where('state', '=', 'AVAILABLE')
      .executeTakeFirstOrThrow();
    const buyer = await h.db.db
      .selectFrom('units')
      .select('buyer_id')
      .where('id', '=', unitIds[0])
      .executeTakeFirstOrThrow();
    await expect(
      h.db.db
        .updateTable('keys')
        .set({ state: 'RESERVED', unit_id: unitIds[0], buyer_id: buyer.buyer_id })
        .where('id', '=', spare.id)
        .execute(),
    ).rejects.toSatisfy((e: unknown) => constraintKind(e) === 'unique');
  });

  it('a key activated while only reserved leaves the reservation, and nothing undelivered can be revealed', async () => {
    const p = await product(h, s);
    await importLines(h, s, p.id, ['RSV-0001 rsv-secret']);
    const buyer = await h.loggedIn({ role: 'buyer' });
    const u = await units(h, p.id, p.policyId, buyer.userId, 1);
    await unitOfWork(h.ctx, (trx) =>
      reserveKeys(trx, sys(), { productId: p.id, buyerId: buyer.userId, unitIds: u }),
    );
    expect((await buyer.post(`/api/units/${u[0]}/reveal`)).status).toBe(409); // reserved, not delivered
    const issuer: Actor = { kind: 'token', tokenId: 't', scope: 'issuer', userId: null, merchantId: null };
    await redeemKey(h.ctx, issuer, { cardNo: 'RSV-0001', password: 'rsv-secret' });
    const key = await h.db.db
      .selectFrom('keys')
      .selectAll()
      .where('product_id', '=', p.id)
      .executeTakeFirstOrThrow();
    expect(key).toMatchObject({
      state: 'ACTIVATED',
      unit_id: null,
      buyer_id: null,
      activated_before_delivery: 1,
    });
    const res = await buyer.post(`/api/units/${u[0]}/reveal`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('rsv-secret');
    // and delivery of that unit now fails instead of handing over a used key
    await expect(unitOfWork(h.ctx, (trx) => deliverKeys(trx, sys(), u))).rejects.toMatchObject({
      code: 'inventory.key_conflict',
    });
  });

  it("a resold key's timeline shows its new buyer only their own unit's history", async () => {
    // sold sealed to a first buyer, refunded back to stock, then sold to a second buyer
    const p2 = await delivered(['RS-0002 resold-pw2'], 1);
    await unitOfWork(h.ctx, (trx) => returnToStock(trx, sys(), p2.unitIds));
    const second = await h.loggedIn({ role: 'buyer' });
    const policy = await h.db.db
      .selectFrom('products')
      .select('current_policy_id')
      .where('id', '=', p2.productId)
      .executeTakeFirstOrThrow();
    const u2 = await units(h, p2.productId, policy.current_policy_id, second.userId, 1);
    await unitOfWork(h.ctx, async (trx) => {
      await reserveKeys(trx, sys(), { productId: p2.productId, buyerId: second.userId, unitIds: u2 });
      await deliverKeys(trx, sys(), u2);
    });
    const tl = await second.get<{ events: { kind: string }[] }>(`/api/units/${u2[0]}/timeline`);
    expect(tl.body.events.map((e) => e.kind)).toEqual(['IMPORTED', 'RESERVED', 'DELIVERED']);
    // staff still see the whole history
    const support = await h.loggedIn({ role: 'support' });
    const all = await support.get<{ events: { kind: string }[] }>(`/api/units/${u2[0]}/timeline`);
    expect(all.body.events.map((e) => e.kind)).toEqual([
      'IMPORTED',
      'RESERVED',
      'DELIVERED',
      'RETURNED',
      'RESERVED',
      'DELIVERED',
    ]);
  });
});

describe('reveal', () => {
  it('the buyer reveals: first reveal unseals, every reveal is recorded with IP and user agent', async () => {
    const { buyer, unitIds } = await delivered(['RV-0001 the-real-secret'], 1);
    const first = await buyer.req<{ secret: string; serial: string; firstReveal: boolean }>(
      'POST',
      `/api/units/${unitIds[0]}/reveal`,
      {},
      { 'user-agent': 'KamengTest/1.0' },
    );
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toMatchObject({ serial: 'RV-0001', secret: 'the-real-secret', firstReveal: true });
    expect((await stateOf(unitIds[0])).state).toBe('REVEALED');
    const again = await buyer.post<{ firstReveal: boolean }>(`/api/units/${unitIds[0]}/reveal`);
    expect(again.body.firstReveal).toBe(false);
    const tl = await buyer.get<{ events: { kind: string; ip?: string; userAgent?: string }[] }>(
      `/api/units/${unitIds[0]}/timeline`,
    );
    const reveals = tl.body.events.filter((e) => e.kind === 'REVEALED');
    expect(reveals).toHaveLength(2);
    expect(reveals[0]).toMatchObject({ ip: buyer.ip, userAgent: 'KamengTest/1.0' });
    expect(tl.body.events.map((e) => e.kind)).toEqual([
      'IMPORTED',
      'RESERVED',
      'DELIVERED',
      'REVEALED',
      'REVEALED',
    ]);
  });

  it('nobody else can reveal: another buyer gets 404, the merchant and support 403 (buyers only); merchants see masked timelines without IPs', async () => {
    const { unitIds } = await delivered(['NB-0001 nobody-else'], 1);
    // another buyer cannot tell a unit of someone else's from one that does not exist
    expect((await (await h.loggedIn({ role: 'buyer' })).post(`/api/units/${unitIds[0]}/reveal`)).status).toBe(
      404,
    );
    // staff and shops are refused by the route itself, whatever the unit (nothing about it leaks)
    const support = await h.loggedIn({ role: 'support' });
    expect((await support.post(`/api/units/${unitIds[0]}/reveal`)).status).toBe(403);
    expect((await support.post('/api/units/no-such-unit/reveal')).status).toBe(403);
    const merchant = h.client();
    await merchant.login(
      (
        await h.db.db
          .selectFrom('users')
          .select('username')
          .where('id', '=', s.userId)
          .executeTakeFirstOrThrow()
      ).username,
      'correct-horse-1',
    );
    expect((await merchant.post(`/api/units/${unitIds[0]}/reveal`)).status).toBe(403);
    const key = await stateOf(unitIds[0]);
    const tl = await merchant.get(`/api/keys/${key.id}/timeline`);
    expect(tl.status).toBe(200);
    expect(JSON.stringify(tl.body)).not.toContain('nobody-else');
    expect(JSON.stringify(tl.body)).not.toContain('"ip"');
    expect((await (await h.loggedIn({ role: 'merchant' })).get(`/api/keys/${key.id}/timeline`)).status).toBe(
      404,
    );
  });

  it('break-glass: an admin needs a written reason, and it is audited with the reason', async () => {
    const { unitIds } = await delivered(['BG-0001 glass-secret'], 1);
    const key = await stateOf(unitIds[0]);
    const admin = await h.loggedIn({ role: 'admin' });
    expect((await admin.post(`/api/admin/keys/${key.id}/reveal`, { reason: 'why' })).status).toBe(400);
    const ok = await admin.post<{ secret: string }>(`/api/admin/keys/${key.id}/reveal`, {
      reason: '买家投诉卡密无效，核对原始卡密',
    });
    expect(ok.body.secret).toBe('glass-secret');
    expect((await stateOf(unitIds[0])).state).toBe('SEALED');
    const audit = await h.db.db
      .selectFrom('audit_events')
      .select('data')
      .where('action', '=', 'key.break_glass_revealed')
      .execute();
    expect(audit.at(-1)!.data).toContain('买家投诉卡密无效');
    expect(audit.at(-1)!.data).not.toContain('glass-secret');
    expect(
      (
        await (
          await h.loggedIn({ role: 'support' })
        ).post(`/api/admin/keys/${key.id}/reveal`, { reason: 'x'.repeat(20) })
      ).status,
    ).toBe(403);
  });
});

describe('activation registry', () => {
  async function issuer(): Promise<Client> {
    const admin = await h.loggedIn({ role: 'admin' });
    const t = await admin.post<{ token: string }>('/api/admin/tokens', {
      name: `issuer ${Math.random()}`,
      scope: 'issuer',
    });
    const c = h.client();
    c.bearer = t.body.token;
    return c;
  }

  it('redeems a delivered key once; voided and invalid keys refuse; unknown and wrong passwords look the same', async () => {
    const { unitIds, buyer } = await delivered(['AC-0001 act-pw-1', 'AC-0002 act-pw-2'], 2);
    const api = await issuer();
    const ok = await api.post('/api/registry/activate', { cardNo: 'AC-0001', password: 'act-pw-1' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      state: 'ACTIVATED',
      activationSource: 'REDEEM',
      activatedBeforeDelivery: false,
      partiallyUsed: false,
    });
    const twice = await api.post('/api/registry/activate', { cardNo: 'AC-0001', password: 'act-pw-1' });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'registry.already_activated' });
    const wrong = await api.post('/api/registry/check', { cardNo: 'AC-0001', password: 'nope' });
    const unknown = await api.post('/api/registry/check', { cardNo: 'ZZ-9999', password: 'nope' });
    expect([wrong.status, unknown.status]).toEqual([404, 404]);
    expect(wrong.body).toEqual({
      ...(unknown.body as object),
      instance: (wrong.body as { instance: string }).instance,
    });
    // reveal then refund-void the second key: it can never be activated
    await buyer.post(`/api/units/${unitIds[1]}/reveal`);
    await unitOfWork(h.ctx, (trx) => voidUnitKeys(trx, sys(), [unitIds[1]]));
    const voided = await api.post('/api/registry/activate', { cardNo: 'AC-0002', password: 'act-pw-2' });
    expect(voided.status).toBe(409);
    expect(voided.body).toMatchObject({ code: 'registry.key_voided' });
    expect((await stateOf(unitIds[1])).state).toBe('VOIDED');
  });

  it('a reported activation before delivery is flagged; before import or in the future is refused', async () => {
    const p = await product(h, s);
    const imported = h.ctx.clock.now();
    await importLines(h, s, p.id, ['EARLY-1 early-pw', 'LEAK-1 leak-pw']);
    h.base.advance(60_000);
    const buyer = await h.account({ role: 'buyer' });
    const u = await units(h, p.id, p.policyId, buyer.id, 1);
    await unitOfWork(h.ctx, async (trx) => {
      await reserveKeys(trx, sys(), { productId: p.id, buyerId: buyer.id, unitIds: u });
      await deliverKeys(trx, sys(), u);
    });
    const deliveredAt = h.ctx.clock.now();
    h.base.advance(60_000);
    const api = await issuer();
    const tooEarly = await api.post('/api/registry/report', {
      cardNo: 'EARLY-1',
      password: 'early-pw',
      activatedAt: new Date(imported.getTime() - 1000).toISOString(),
    });
    expect(tooEarly.body).toMatchObject({ code: 'registry.activation_before_import' });
    const future = await api.post('/api/registry/report', {
      cardNo: 'EARLY-1',
      password: 'early-pw',
      activatedAt: new Date(h.ctx.clock.now().getTime() + 60_000).toISOString(),
    });
    expect(future.body).toMatchObject({ code: 'registry.activation_in_future' });
    const before = await api.post('/api/registry/report', {
      cardNo: 'EARLY-1',
      password: 'early-pw',
      activatedAt: new Date(deliveredAt.getTime() - 30_000).toISOString(),
    });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ activatedBeforeDelivery: true, activationSource: 'REPORT' });
    // a key still in stock that was used elsewhere leaves stock, flagged
    const leak = await api.post('/api/registry/report', {
      cardNo: 'LEAK-1',
      password: 'leak-pw',
      activatedAt: h.ctx.clock.now().toISOString(),
    });
    expect(leak.body).toMatchObject({ state: 'ACTIVATED', activatedBeforeDelivery: true });
  });

  it('merchants use the registry for their own keys only; buyers not at all; entitlements count as partly used', async () => {
    const p = await product(h, s, 'ENTITLEMENT');
    await importLines(h, s, p.id, ['VIPCODE-0001']);
    const mine = h.client();
    const username = (
      await h.db.db
        .selectFrom('users')
        .select('username')
        .where('id', '=', s.userId)
        .executeTakeFirstOrThrow()
    ).username;
    await mine.login(username, 'correct-horse-1');
    const token = (
      await mine.post<{ token: string }>('/api/merchant/tokens', { name: `reg ${Math.random()}` })
    ).body.token;
    const other = await h.loggedIn({ role: 'merchant' });
    const otherToken = (await other.post<{ token: string }>('/api/merchant/tokens', { name: 'reg' })).body
      .token;
    const a = h.client();
    a.bearer = otherToken;
    expect((await a.post('/api/registry/check', { password: 'VIPCODE-0001' })).status).toBe(404);
    const b = h.client();
    b.bearer = token;
    const res = await b.post('/api/registry/activate', { password: 'VIPCODE-0001' });
    expect(res.body).toMatchObject({ state: 'ACTIVATED', partiallyUsed: true, productType: 'ENTITLEMENT' });
    const buyer = await h.loggedIn({ role: 'buyer' });
    expect((await buyer.post('/api/registry/check', { password: 'VIPCODE-0001' })).status).toBe(403);
  });
});

describe('support and stock', () => {
  it('support can confirm a key defective and replace it; stock tells sold keys from keys used in stock', async () => {
    const { unitIds, productId, buyer } = await delivered(
      ['SP-0001 sp-1', 'SP-0002 sp-2', 'SP-0003 sp-3'],
      1,
    );
    const key = await stateOf(unitIds[0]);
    const support = await h.loggedIn({ role: 'support' });
    const res = await support.post(`/api/support/keys/${key.id}/invalid`, {
      reason: '发卡方确认无效',
      replace: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'INVALID' });
    // the unit now holds a fresh sealed key, which its buyer can reveal
    const replacement = await buyer.post<{ secret: string }>(`/api/units/${unitIds[0]}/reveal`);
    expect(replacement.body.secret).toBe('sp-2');
    expect(
      (await buyer.post(`/api/support/keys/${key.id}/invalid`, { reason: 'xx', replace: false })).status,
    ).toBe(403);
    // a key used while in stock is not "sold"
    const issuer: Actor = { kind: 'token', tokenId: 'i', scope: 'issuer', userId: null, merchantId: null };
    await redeemKey(h.ctx, issuer, { cardNo: 'SP-0003', password: 'sp-3' });
    const { stockOf } = await import('../../src/modules/inventory/queries.js');
    const [stock] = await stockOf(h.ctx, s.merchantId, productId);
    expect(stock).toMatchObject({ available: 0, sold: 1, invalid: 1, activatedUnsold: 1 });
  });
});
