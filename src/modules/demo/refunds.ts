/**
 * Demo after-sales (Stage 4), seeded once after the demo keys: demo users get e-mail addresses
 * (notifications then appear as .eml files under data/outbox), 超会 buyer `chaohui` has one Q币
 * key refunded at once (a mistaken sealed purchase), and `vipbuyer` has a request waiting in
 * merchant `xingchen`'s review queue with a chat log as evidence, and a second one of theirs was
 * rejected, escalated and argued by both sides — a dispute waiting in the arbitrator's queue — so
 * every after-sales and arbitration page has something to show on a fresh `npm start`.
 */
import type { UserActor } from '../../platform/actor.js';
import { now, toJson } from '../../platform/db/dialect.js';
import type { AppContext } from '../../platform/context.js';
import type { PaymentsContext } from '../payments/index.js';
import { actOnRequest, applyForRefund, decide, type AfterSalesContext } from '../aftersales/index.js';
import { saveDraft, submitStatement } from '../disputes/index.js';
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
      .set({ email: `${l.username}@demo.kameng.local`, email_key: `${l.username}@demo.kameng.local` })
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
    await seedDemoDispute(ctx, vip, netease.id);
  }
  return true;
}

/**
 * vipbuyer's second 网易一卡通: "卡密无效", rejected by xingchen as activated (the records say it
 * was not — confirmed anyway), escalated, and both statements submitted: arbitration has begun.
 */
async function seedDemoDispute(ctx: AppContext & AfterSalesContext, vip: UserActor, productId: string) {
  const owner = await ctx.db
    .selectFrom('users')
    .innerJoin('merchants', 'merchants.owner_user_id', 'users.id')
    .select(['users.id', 'users.member_level', 'merchants.id as merchant_id'])
    .where('users.username', '=', 'xingchen')
    .executeTakeFirst();
  if (!owner) return;
  const merchant: UserActor = {
    kind: 'user',
    id: owner.id,
    role: 'merchant',
    memberLevel: owner.member_level,
    merchantId: owner.merchant_id,
  };
  const { orderId } = await demoCheckout(ctx, vip, 'demo-seed-order-3', productId, 1);
  const at = ctx.clock.now();
  const log = Buffer.from('充值页面提示：该卡密无效（错误码 1043），卡密为刚拆封时复制。\n', 'utf8');
  const sha256 = await storeUpload(ctx.db, ctx.files, vip.id, log, at);
  const { requestId } = await applyForRefund(ctx, vip, orderId, 'demo-refund-3', {
    reason: 'DEFECTIVE',
    description: '拆封后立即充值，提示卡密无效，附充值页面记录。',
    files: [{ sha256, name: '充值提示.txt' }],
  });
  const read = () =>
    ctx.db
      .selectFrom('refund_requests')
      .select(['id', 'version'])
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
  await decide(ctx, merchant, requestId, {
    action: 'REJECT',
    version: (await read()).version,
    code: 'ACTIVATED',
    note: '我方查询该卡密已被使用',
    acknowledgeWarnings: true,
  });
  await actOnRequest(ctx, vip, requestId, {
    action: 'ESCALATE',
    version: (await read()).version,
    note: '卡密拆封后立即充值即提示无效，从未被我使用，商家拒绝理由与平台记录不符。',
  });
  const dispute = await ctx.db
    .selectFrom('disputes')
    .select('id')
    .where('request_id', '=', requestId)
    .executeTakeFirstOrThrow();
  const mine = await ctx.db
    .selectFrom('dispute_statements')
    .select('version')
    .where('dispute_id', '=', dispute.id)
    .where('party', '=', 'BUYER')
    .executeTakeFirstOrThrow();
  const b = await saveDraft(ctx, vip, dispute.id, {
    text: '卡密拆封后立即充值即提示无效，从未被我使用。平台记录显示卡密未被激活，商家以“已激活”为由拒绝与记录不符。',
    files: [{ sha256, name: '充值提示.txt' }],
    version: mine.version,
  });
  await submitStatement(ctx, vip, dispute.id, b.version);
  const m = await saveDraft(ctx, merchant, dispute.id, {
    text: '我方供货渠道显示该卡密已核销，怀疑买家已使用后申请退款。',
    files: [],
    version: 0,
  });
  await submitStatement(ctx, merchant, dispute.id, m.version);
}
