/**
 * How channel messages reach Kameng: pushes (PDD, 闲鱼) verified by their connector, Taobao's TMC
 * pulled and confirmed per message, and incremental polling that recovers whatever was lost. Every
 * message is logged (forged ones too) in channel_message_log.
 */
import { now, toJson } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError } from '../../platform/errors.js';
import { newOrderedId } from '../../platform/ids.js';
import { fallbackLogger } from '../../platform/logger.js';
import type { IncomingPush, PushAck, RefundCheckReply } from './connector.js';
import type { ChannelsContext } from './context.js';
import { receiveEvents, settleRefund } from './ingest.js';
import { shopRef } from './shops.js';

/** Polling looks back this far before the last point reached: a late-committed change is not missed. */
const OVERLAP_MS = 5 * 60_000;
/** A shop is polled at most this often. */
export const POLL_EVERY_MS = 60_000;

async function log(
  ctx: ChannelsContext,
  e: {
    shopId: string | null;
    source: Row<'channel_message_log'>['source'];
    verified: boolean;
    outcome: string;
    reference?: string | null;
    detail?: unknown;
    ip?: string | null;
  },
) {
  await ctx.db
    .insertInto('channel_message_log')
    .values({
      id: newOrderedId(ctx.clock.now().getTime()),
      shop_id: e.shopId,
      source: e.source,
      received_at: now(ctx.clock.now()),
      verified: e.verified ? 1 : 0,
      outcome: e.outcome,
      reference: e.reference ?? null,
      detail: e.detail === undefined ? null : toJson(e.detail).slice(0, 2000),
      ip: e.ip ?? null,
    })
    .execute();
}

const activeShop = (ctx: ChannelsContext, shopId: string) =>
  ctx.db
    .selectFrom('channel_shops')
    .selectAll()
    .where('id', '=', shopId)
    .where('status', '=', 'ACTIVE')
    .executeTakeFirst();

/** A push: verified with the shop's own secret, applied, acknowledged as the channel expects. */
export async function receivePush(
  ctx: ChannelsContext,
  shopId: string,
  push: IncomingPush,
  ip: string | null,
): Promise<PushAck> {
  const shop = await activeShop(ctx, shopId);
  if (!shop) {
    await log(ctx, {
      shopId: null,
      source: 'PUSH',
      verified: false,
      outcome: 'UNKNOWN_SHOP',
      reference: shopId.slice(0, 64),
      ip,
    });
    return {
      status: 404,
      contentType: 'application/json',
      body: JSON.stringify({ success: false, error: 'unknown shop' }),
    };
  }
  const connector = ctx.connectors[shop.channel];
  let events;
  try {
    events = connector.verifyPush(await shopRef(ctx, shop), push, ctx.clock.now());
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await log(ctx, { shopId: shop.id, source: 'PUSH', verified: false, outcome: error.code, ip });
    const nack = connector.ack(false);
    return { ...nack, status: 401 };
  }
  const { outcomes, failed } = await receiveEvents(ctx, shop, events);
  await log(ctx, {
    shopId: shop.id,
    source: 'PUSH',
    verified: true,
    outcome: failed > 0 ? 'FAILED' : outcomes.join(',') || 'EMPTY',
    reference: events
      .map((e) => (e.type === 'ORDER' ? e.channelOrderId : e.channelRefundId))
      .join(',')
      .slice(0, 200),
    ip,
  });
  return connector.ack(failed === 0);
}

/**
 * 闲鱼's 二次校验: before it agrees a refund, the channel asks whether the codes can be taken back.
 * The refund is judged here as any channel refund: every unit sealed and eligible → approved at
 * once, the keys back in stock (voided for the buyer), answer "refundable"; anything revealed or
 * used → not refundable now, the merchant decides and the answer follows through the API.
 */
export async function answerRefundCheck(
  ctx: ChannelsContext,
  shopId: string,
  push: IncomingPush,
  ip: string | null,
): Promise<PushAck> {
  const shop = await activeShop(ctx, shopId);
  if (!shop)
    return { status: 404, contentType: 'application/json', body: JSON.stringify({ success: false }) };
  const connector = ctx.connectors[shop.channel];
  let check;
  try {
    check = connector.verifyRefundCheck(await shopRef(ctx, shop), push, ctx.clock.now());
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await log(ctx, { shopId: shop.id, source: 'CHECK', verified: false, outcome: error.code, ip });
    return { ...connector.ack(false), status: 401 };
  }
  if (!check)
    return { status: 404, contentType: 'application/json', body: JSON.stringify({ success: false }) };
  await receiveEvents(ctx, shop, [
    {
      type: 'REFUND',
      channelRefundId: check.channelRefundId,
      channelOrderId: check.channelOrderId,
      status: 'REQUESTED',
      rawStatus: 'REFUND_CHECK',
      quantity: check.quantity,
      amountFen: check.amountFen,
      reason: check.reason,
      decidedBy: null,
      phase: null,
      modifiedAt: check.requestedAt,
    },
  ]);
  const refund = await ctx.db
    .selectFrom('channel_refunds')
    .leftJoin('refund_requests', 'refund_requests.id', 'channel_refunds.request_id')
    .leftJoin('channel_orders', (j) =>
      j
        .onRef('channel_orders.shop_id', '=', 'channel_refunds.shop_id')
        .onRef('channel_orders.channel_order_id', '=', 'channel_refunds.channel_order_id'),
    )
    .select([
      'refund_requests.state',
      'refund_requests.decision_code',
      'channel_orders.order_id',
      'channel_refunds.id',
    ])
    .where('channel_refunds.shop_id', '=', shop.id)
    .where('channel_refunds.channel_refund_id', '=', check.channelRefundId)
    .executeTakeFirst();
  let reply: RefundCheckReply;
  if (!refund?.order_id) reply = { refundable: true, message: '卡盟未发放该订单的卡密，可以退款' };
  else if (refund.state === 'REFUNDING' || refund.state === 'REFUNDED')
    reply = {
      refundable: true,
      message:
        refund.decision_code === 'AUTO_SEALED_ELIGIBLE'
          ? '卡密未拆封，已冻结（不能再查看），退款成功后退回库存，可以退款'
          : '商家已同意退款',
    };
  else reply = { refundable: false, message: '卡密已被查看或使用，需商家审核后答复' };
  await log(ctx, {
    shopId: shop.id,
    source: 'CHECK',
    verified: true,
    outcome: reply.refundable ? 'REFUNDABLE' : 'NEEDS_REVIEW',
    reference: check.channelRefundId,
    ip,
  });
  return connector.refundCheckReply(reply);
}

/**
 * The reconciliation beside the pushes: TMC messages pulled (and confirmed once applied), then the
 * channel asked for everything modified since the last point reached, minus an overlap.
 */
export async function reconcileShop(
  ctx: ChannelsContext,
  shop: Row<'channel_shops'>,
  force = false,
): Promise<number> {
  const at = ctx.clock.now();
  const connector = ctx.connectors[shop.channel];
  const ref = await shopRef(ctx, shop);
  let applied = 0;
  try {
    for (let round = 0; round < 10; round++) {
      const messages = await connector.consume(ref, 50);
      if (messages.length === 0) break;
      const ok: string[] = [];
      for (const m of messages) {
        const { failed, outcomes } = await receiveEvents(ctx, shop, [m.event]);
        if (failed === 0) ok.push(m.id);
        if (outcomes[0] === 'APPLIED') applied++;
      }
      await log(ctx, {
        shopId: shop.id,
        source: 'PULL',
        verified: true,
        outcome: `${ok.length}/${messages.length}`,
        reference: messages
          .map((m) => m.id)
          .join(',')
          .slice(0, 200),
      });
      if (ok.length > 0) await connector.confirm(ref, ok);
      if (ok.length < messages.length) break; // the rest come again later
    }
    const since = shop.reconciled_until ? Date.parse(shop.reconciled_until) : at.getTime() - 24 * 3600_000;
    if (force || at.getTime() - since >= POLL_EVERY_MS) {
      const events = await connector.listChanged(ref, new Date(since - OVERLAP_MS), at);
      const { outcomes, failed } = await receiveEvents(ctx, shop, events);
      applied += outcomes.filter((o) => o === 'APPLIED').length;
      await log(ctx, {
        shopId: shop.id,
        source: 'POLL',
        verified: true,
        outcome: `${outcomes.filter((o) => o === 'APPLIED').length} applied of ${events.length}`,
        detail: { failed },
      });
      await ctx.db
        .updateTable('channel_shops')
        .set({
          ...(failed === 0 ? { reconciled_until: now(at) } : {}),
          last_error: failed === 0 ? null : 'EVENTS_FAILED',
          updated_at: now(at),
        })
        .where('id', '=', shop.id)
        .execute();
      // Refunds that wait for their order (or for units another request holds) are tried again —
      // with the poll, not every sweep: an order that never comes must not cost a lock each run.
      const waiting = await ctx.db
        .selectFrom('channel_refunds')
        .select('id')
        .where('shop_id', '=', shop.id)
        .where('request_id', 'is', null)
        .where('status', '<>', 'CLOSED')
        .limit(50)
        .execute();
      for (const w of waiting) await settleRefund(ctx, shop, w.id);
    }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await ctx.db
      .updateTable('channel_shops')
      .set({ last_error: error.code, updated_at: now(at) })
      .where('id', '=', shop.id)
      .execute();
  }
  return applied;
}

export async function reconcileAll(ctx: ChannelsContext): Promise<number> {
  const shops = await ctx.db.selectFrom('channel_shops').selectAll().where('status', '=', 'ACTIVE').execute();
  let n = 0;
  for (const s of shops) {
    try {
      n += await reconcileShop(ctx, s);
    } catch (error) {
      (ctx.log ?? fallbackLogger).error(
        { err: error, shop: s.id },
        'channel reconciliation failed; retried later',
      );
    }
  }
  return n;
}
