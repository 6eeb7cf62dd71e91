/**
 * Demo after-sales (Stage 4), seeded once after the demo keys: demo users get e-mail addresses
 * (notifications then appear as .eml files under data/outbox), 超会 buyer `chaohui` has one Q币
 * key refunded at once (a mistaken sealed purchase), and `vipbuyer` has a request waiting in
 * merchant `xingchen`'s review queue with a chat log as evidence — so every after-sales page has
 * something to show on a fresh `npm start`.
 */
import type { UserActor } from '../../platform/actor.js';
import { now, toJson } from '../../platform/db/dialect.js';
import type { AppContext } from '../../platform/context.js';
import type { PaymentsContext } from '../payments/index.js';
import { applyForRefund, type AfterSalesContext } from '../aftersales/index.js';
import { storeUpload } from '../../platform/uploads.js';
import { demoCheckout } from './checkout.js';
import { DEMO_LOGINS } from './seed.js';

/**
 * The demo's first order, through the real checkout (balance): 超会 buyer `chaohui` has two sealed
 * Q币 keys, so the order and key pages have something to show. Its Idempotency-Key makes it once.
 */
export async function seedDemoOrders(ctx: PaymentsContext): Promise<void> {
  const chaohui = await ctx.db
    .selectFrom('users')
    .select(['id', 'member_level'])
    .where('username', '=', 'chaohui')
    .executeTakeFirst();
  const qb = await ctx.db
    .selectFrom('products')
    .select('id')
    .where('name', 'like', '腾讯Q币%')
    .orderBy('created_at')
    .executeTakeFirst();
  if (!chaohui || !qb) return;
  const buyer: UserActor = {
    kind: 'user',
    id: chaohui.id,
    role: 'buyer',
    memberLevel: chaohui.member_level,
    merchantId: null,
  };
  await demoCheckout(ctx, buyer, 'demo-seed-order-1', qb.id, 2);
}

export async function seedDemoRefunds(ctx: AppContext & AfterSalesContext): Promise<boolean> {
  const at = ctx.clock.now();
  const claimed = await ctx.db
    .insertInto('settings')
    .values({ key: 'demo_refunds_seeded', value: toJson(true), updated_at: now(at) })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
  for (const l of DEMO_LOGINS)
    await ctx.db
      .updateTable('users')
      .set({ email: `${l.username}@demo.kameng.local` })
      .where('username', '=', l.username)
      .where('email', 'is', null)
      .execute();

  const buyerActor = async (username: string): Promise<UserActor | null> => {
    const u = await ctx.db
      .selectFrom('users')
      .select(['id', 'member_level'])
      .where('username', '=', username)
      .executeTakeFirst();
    return u
      ? { kind: 'user', id: u.id, role: 'buyer', memberLevel: u.member_level, merchantId: null }
      : null;
  };
  const chaohui = await buyerActor('chaohui');
  const seedOrder = chaohui
    ? await ctx.db
        .selectFrom('orders')
        .selectAll()
        .where('buyer_id', '=', chaohui.id)
        .where('idempotency_key', '=', 'demo-seed-order-1')
        .executeTakeFirst()
    : undefined;
  if (chaohui && seedOrder) {
    const unit = await ctx.db
      .selectFrom('units')
      .select('id')
      .where('order_id', '=', seedOrder.id)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await applyForRefund(ctx, chaohui, seedOrder.id, 'demo-refund-1', {
      unitIds: [unit.id],
      reason: 'MISTAKEN_PURCHASE',
      description: `订单号 ${seedOrder.order_no}，多拍了一张，申请退回一张未拆封的卡密。`,
      files: [],
    });
  }

  const vip = await buyerActor('vipbuyer');
  const netease = await ctx.db
    .selectFrom('products')
    .select('products.id')
    .where('products.name', 'like', '网易一卡通%')
    .executeTakeFirst();
  if (vip && netease) {
    const { orderId } = await demoCheckout(ctx, vip, 'demo-seed-order-2', netease.id, 1);
    const chat = Buffer.from(
      '2026-11-26 10:02 买家：卡密充值时提示“该卡面值与描述不符”。\n2026-11-26 10:05 买家：页面写的是 50 元，实际到账 30 元。\n',
      'utf8',
    );
    const sha256 = await storeUpload(ctx.db, ctx.files, vip.id, chat, at);
    const order = await ctx.db
      .selectFrom('orders')
      .select('order_no')
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow();
    await applyForRefund(ctx, vip, orderId, 'demo-refund-2', {
      reason: 'NOT_AS_DESCRIBED',
      description: `订单号 ${order.order_no}，商品「网易一卡通 50元」× 1，申请退款 ¥48.80。原因说明：实际到账面值与描述不符，附聊天记录。`,
      files: [{ sha256, name: '充值记录.txt' }],
    });
  }
  return true;
}
