/**
 * Channel events in (spec §11): whichever way they come — push, TMC pull, polling — and however
 * often or out of order, each is applied idempotently in its own unit of work. A channel order is
 * delivered once (the unique (shop, channel order) row and the order's Idempotency-Key both stand
 * guard); a refund opens one Kameng request and moves it as the channel's newest state says; an
 * event older than what is recorded (`modifiedAt`) changes nothing.
 */
import { bool, lockUser, now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError, fail } from '../../platform/errors.js';
import { newOrderedId, randomToken, sha256 } from '../../platform/ids.js';
import { afterCommit, unitOfWork } from '../../platform/unit-of-work.js';
import { fallbackLogger } from '../../platform/logger.js';
import { appendAudit } from '../../platform/audit.js';
import {
  applyChannelOutcome,
  channelActor,
  openChannelRequest,
  type ChannelOutcome,
} from '../aftersales/index.js';
import { placeChannelOrder } from '../orders/index.js';
import type { ChannelEvent, ChannelOrderEvent, ChannelRefundEvent } from './connector.js';
import { channelRefundMachine } from './lifecycle.js';
import { CHANNEL_NAMES, type ChannelsContext } from './context.js';
import { sendDelivery } from './delivery.js';
import { refuseUnrefundable } from './answers.js';
import { codeHmac, newLookupCode } from './lookup-codes.js';

export type EventOutcome = 'APPLIED' | 'DUPLICATE' | 'STALE' | 'FAILED';

/** Applies events oldest first (orders before refunds of the same moment); one failure stops none. */
export async function receiveEvents(
  ctx: ChannelsContext,
  shop: Row<'channel_shops'>,
  events: readonly ChannelEvent[],
): Promise<{ outcomes: EventOutcome[]; failed: number }> {
  const sorted = [...events].sort(
    (a, b) => a.modifiedAt.getTime() - b.modifiedAt.getTime() || (a.type === 'ORDER' ? -1 : 1),
  );
  const outcomes: EventOutcome[] = [];
  let failed = 0;
  for (const e of sorted) {
    try {
      outcomes.push(e.type === 'ORDER' ? await applyOrder(ctx, shop, e) : await applyRefund(ctx, shop, e));
    } catch (error) {
      failed++;
      outcomes.push('FAILED');
      (ctx.log ?? fallbackLogger).error(
        {
          err: error,
          shop: shop.id,
          event: e.type,
          ref: e.type === 'ORDER' ? e.channelOrderId : e.channelRefundId,
        },
        'channel event not applied; the channel will deliver it again',
      );
    }
  }
  return { outcomes, failed };
}

const existingOrder = (trx: Db, shopId: string, channelOrderId: string) =>
  trx
    .selectFrom('channel_orders')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('channel_order_id', '=', channelOrderId)
    .executeTakeFirst();

/** Failures Kameng reports back to the channel (PDD then refunds the buyer itself). */
const DELIVERY_FAILURES = new Set([
  'inventory.out_of_stock',
  'catalog.product_not_found',
  'merchant.suspended',
  'channel.item_not_mapped',
  'channel.order_unsupported',
]);

async function applyOrder(
  ctx: ChannelsContext,
  shop: Row<'channel_shops'>,
  e: ChannelOrderEvent,
): Promise<EventOutcome> {
  const actor = channelActor(shop.channel);
  try {
    return await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      await lockUser(trx, ctx.engine, shop.buyer_user_id); // one shop's events one at a time
      const seen = await existingOrder(trx, shop.id, e.channelOrderId);
      if (seen) {
        if (e.modifiedAt.getTime() <= Date.parse(seen.channel_modified_at)) return 'DUPLICATE';
        await trx
          .updateTable('channel_orders')
          .set({ channel_status: e.rawStatus, channel_modified_at: now(e.modifiedAt), updated_at: now(at) })
          .where('id', '=', seen.id)
          .execute();
        return 'APPLIED';
      }
      const line = e.lines[0];
      const base = {
        id: newOrderedId(at.getTime()),
        shop_id: shop.id,
        channel_order_id: e.channelOrderId,
        channel_status: e.rawStatus,
        channel_item_id: line?.channelItemId ?? '',
        quantity: Math.max(
          1,
          e.lines.reduce((n, l) => n + l.quantity, 0),
        ),
        total_fen: e.totalFen,
        buyer_ref: e.buyerRef.slice(0, 64),
        channel_modified_at: now(e.modifiedAt),
        version: 1,
        created_at: now(at),
        updated_at: now(at),
      };
      // Closed before Kameng heard of it (unpaid, or refunded on the channel): nothing to deliver.
      if (e.status === 'CLOSED') {
        await trx
          .insertInto('channel_orders')
          .values({
            ...base,
            order_id: null,
            state: 'CLOSED',
            failure_code: null,
            lookup_token_hash: null,
            lookup_code_hmac: null,
            lookup_sealed: null,
            delivery_state: 'SENT',
            delivery_attempts: 0,
            delivery_error: null,
          })
          .execute();
        return 'APPLIED';
      }
      if (e.lines.length !== 1 || !line) fail('channel.order_unsupported');
      const mapped = await trx
        .selectFrom('channel_items')
        .select('product_id')
        .where('shop_id', '=', shop.id)
        .where('channel_item_id', '=', line.channelItemId)
        .executeTakeFirst();
      if (!mapped) fail('channel.item_not_mapped', { params: { item: line.channelItemId } });
      const placed = await placeChannelOrder(trx, ctx, {
        buyerId: shop.buyer_user_id,
        productId: mapped.product_id,
        quantity: line.quantity,
        unitPriceFen: line.unitPriceFen,
        totalFen: e.totalFen,
        provider: `channel:${shop.channel.toLowerCase()}`,
        channelOrderNo: e.channelOrderId,
        paidAt: e.paidAt,
        idempotencyKey: `channel:${shop.id}:${e.channelOrderId}`,
        actor,
        at,
      });
      // The buyer's way to the keys: an unguessable link, and the order number plus a code.
      const token = randomToken(24);
      const code = newLookupCode();
      await trx
        .insertInto('channel_orders')
        .values({
          ...base,
          order_id: placed.orderId,
          state: 'DELIVERED',
          failure_code: null,
          lookup_token_hash: sha256(token),
          lookup_code_hmac: await codeHmac(ctx, trx, placed.orderNo, code, at),
          lookup_sealed: await ctx.vault.sealBlob(
            trx,
            at,
            `channel-lookup:${base.id}`,
            Buffer.from(JSON.stringify({ token, code })),
          ),
          delivery_state: 'PENDING',
          delivery_attempts: 0,
          delivery_error: null,
        })
        .execute();
      await appendAudit(trx, {
        actor,
        action: 'channel_order.delivered',
        objectType: 'channel_order',
        objectId: base.id,
        data: {
          shopId: shop.id,
          channelOrderId: e.channelOrderId,
          orderId: placed.orderId,
          quantity: line.quantity,
        },
        at,
      });
      afterCommit(trx, `channel delivery ${base.id}`, () => sendDelivery(ctx, base.id));
      // A refund that arrived before its order (reordered) waits for the order: judge it now.
      afterCommit(trx, `channel refunds of ${base.id}`, () =>
        retryWaitingRefunds(ctx, shop, e.channelOrderId),
      );
      return 'APPLIED';
    });
  } catch (error) {
    if (!(error instanceof DomainError) || !DELIVERY_FAILURES.has(error.code)) throw error;
    return recordFailure(ctx, shop, e, error.code);
  }
}

/** Kameng cannot deliver (out of stock, unmapped, suspended): recorded once and told to the channel. */
async function recordFailure(
  ctx: ChannelsContext,
  shop: Row<'channel_shops'>,
  e: ChannelOrderEvent,
  code: string,
): Promise<EventOutcome> {
  return unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    await lockUser(trx, ctx.engine, shop.buyer_user_id);
    if (await existingOrder(trx, shop.id, e.channelOrderId)) return 'DUPLICATE';
    const id = newOrderedId(at.getTime());
    const line = e.lines[0];
    await trx
      .insertInto('channel_orders')
      .values({
        id,
        shop_id: shop.id,
        channel_order_id: e.channelOrderId,
        order_id: null,
        state: 'FAILED',
        channel_status: e.rawStatus,
        channel_item_id: line?.channelItemId ?? '',
        quantity: Math.max(
          1,
          e.lines.reduce((n, l) => n + l.quantity, 0),
        ),
        total_fen: e.totalFen,
        buyer_ref: e.buyerRef.slice(0, 64),
        failure_code: code,
        lookup_token_hash: null,
        lookup_code_hmac: null,
        lookup_sealed: null,
        delivery_state: 'PENDING',
        delivery_attempts: 0,
        delivery_error: null,
        channel_modified_at: now(e.modifiedAt),
        version: 1,
        created_at: now(at),
        updated_at: now(at),
      })
      .execute();
    await appendAudit(trx, {
      actor: channelActor(shop.channel),
      action: 'channel_order.failed',
      objectType: 'channel_order',
      objectId: id,
      data: { shopId: shop.id, channelOrderId: e.channelOrderId, code },
      at,
    });
    afterCommit(trx, `channel delivery ${id}`, () => sendDelivery(ctx, id));
    return 'APPLIED';
  });
}

/** Refund rows recorded before their order was delivered, judged once it is. */
async function retryWaitingRefunds(ctx: ChannelsContext, shop: Row<'channel_shops'>, channelOrderId: string) {
  const waiting = await ctx.db
    .selectFrom('channel_refunds')
    .selectAll()
    .where('shop_id', '=', shop.id)
    .where('channel_order_id', '=', channelOrderId)
    .where('request_id', 'is', null)
    .execute();
  for (const w of waiting) await settleRefund(ctx, shop, w.id);
}

const refundNoLonger = (s: string) => s === 'CLOSED';

async function applyRefund(
  ctx: ChannelsContext,
  shop: Row<'channel_shops'>,
  e: ChannelRefundEvent,
): Promise<EventOutcome> {
  const recorded = await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    await lockUser(trx, ctx.engine, shop.buyer_user_id);
    const seen = await trx
      .selectFrom('channel_refunds')
      .selectAll()
      .where('shop_id', '=', shop.id)
      .where('channel_refund_id', '=', e.channelRefundId)
      .executeTakeFirst();
    if (seen && e.modifiedAt.getTime() <= Date.parse(seen.channel_modified_at))
      return { id: seen.id, outcome: 'DUPLICATE' as const };
    const fields = {
      channel_status: e.rawStatus,
      quantity: Math.max(1, e.quantity),
      amount_fen: e.amountFen,
      reason: e.reason.slice(0, 500),
      decided_by: e.decidedBy,
      channel_modified_at: now(e.modifiedAt),
      intervened: bool(seen?.intervened === 1 || e.status === 'INTERVENING'),
    };
    if (seen) {
      if (seen.status === e.status) {
        // The same state, newer details (raw status, amount …): no move.
        await trx
          .updateTable('channel_refunds')
          .set({ ...fields, updated_at: now(at) })
          .where('id', '=', seen.id)
          .execute();
        return { id: seen.id, outcome: 'APPLIED' as const };
      }
      try {
        await channelRefundMachine.transition(trx, {
          row: seen,
          to: e.status,
          by: 'channel',
          actor: channelActor(shop.channel),
          at,
          set: fields,
          data: { channelRefundId: e.channelRefundId, raw: e.rawStatus, decidedBy: e.decidedBy },
        });
      } catch (error) {
        // A newer message the channel's own lifecycle does not allow (paid, then "requested"):
        // refused and logged by the caller, never applied.
        if (error instanceof DomainError && error.code === 'channel.refund_transition_not_allowed')
          return { id: seen.id, outcome: 'STALE' as const };
        throw error;
      }
      return { id: seen.id, outcome: 'APPLIED' as const };
    }
    const id = newOrderedId(at.getTime());
    await trx
      .insertInto('channel_refunds')
      .values({
        id,
        shop_id: shop.id,
        channel_refund_id: e.channelRefundId,
        channel_order_id: e.channelOrderId,
        request_id: null,
        status: e.status,
        ...fields,
        overridden: 0,
        answer: null,
        answer_message: null,
        answer_state: null,
        answer_attempts: 0,
        answer_error: null,
        version: 1,
        created_at: now(at),
        updated_at: now(at),
      })
      .execute();
    await appendAudit(trx, {
      actor: channelActor(shop.channel),
      action: 'channel_refund.received',
      objectType: 'channel_refund',
      objectId: id,
      data: {
        shopId: shop.id,
        channelRefundId: e.channelRefundId,
        channelOrderId: e.channelOrderId,
        status: e.status,
        raw: e.rawStatus,
      },
      at,
    });
    return { id, outcome: 'APPLIED' as const };
  });
  if (recorded.outcome === 'STALE') return 'STALE';
  if (recorded.outcome === 'DUPLICATE') {
    // A repeat may find the request missing (its order arrived since): settle it all the same.
    await settleRefund(ctx, shop, recorded.id);
    return 'DUPLICATE';
  }
  await settleRefund(ctx, shop, recorded.id);
  return 'APPLIED';
}

/**
 * Brings the Kameng request in line with the channel refund's recorded state: opened (judged by
 * the rules) if the order is delivered here, then moved by what the channel says. Idempotent.
 */
export async function settleRefund(
  ctx: ChannelsContext,
  shop: Row<'channel_shops'>,
  refundRowId: string,
): Promise<void> {
  await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    await lockUser(trx, ctx.engine, shop.buyer_user_id);
    const r = await trx
      .selectFrom('channel_refunds')
      .selectAll()
      .where('id', '=', refundRowId)
      .executeTakeFirstOrThrow();
    const c = { actor: channelActor(shop.channel), at, channelName: CHANNEL_NAMES[shop.channel].zh };
    let requestId = r.request_id;
    // Requests opened for this channel refund so far, and how often the buyer asked again on the
    // channel after a refusal (each a REFUSED → REQUESTED move of the channel refund).
    // Requests opened for this channel refund so far (asked only where it matters: a refund
    // asked again after a refusal, or one still to be opened).
    const requestsOpened = async () =>
      Number(
        (
          await trx
            .selectFrom('refund_requests')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('buyer_id', '=', shop.buyer_user_id)
            .where((eb) =>
              eb.or([
                eb('idempotency_key', '=', `channel:${r.id}`),
                eb('idempotency_key', 'like', `channel:${r.id}:%`),
              ]),
            )
            .executeTakeFirstOrThrow()
        ).n,
      );
    // Asked again after the merchant's refusal (not a late copy of the first request: the channel
    // itself recorded the refusal before this): the refused request ends, a new one is judged.
    if (requestId && r.status === 'REQUESTED') {
      const askedAgain = await trx
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('object_type', '=', 'channel_refund')
        .where('object_id', '=', r.id)
        .where('action', '=', 'channel_refund.requested')
        .executeTakeFirstOrThrow();
      const current = await trx
        .selectFrom('refund_requests')
        .select('state')
        .where('id', '=', requestId)
        .executeTakeFirstOrThrow();
      if (current.state === 'REJECTED' && Number(askedAgain.n) + 1 > (await requestsOpened())) {
        await applyChannelOutcome(trx, ctx, requestId, { kind: 'CLOSED', cancelledByBuyer: false }, c);
        requestId = null;
      }
    }
    if (!requestId) {
      if (refundNoLonger(r.status)) return; // cancelled before Kameng judged it: nothing to do
      const order = await existingOrder(trx, shop.id, r.channel_order_id);
      if (!order?.order_id) return; // the order is not delivered here (yet): waits for it
      const opened = await openChannelRequest(trx, ctx, {
        orderId: order.order_id,
        channelRefundRowId: r.id,
        attempt: (await requestsOpened()) + 1,
        quantity: r.quantity,
        reasonText: r.reason,
        amountFen: r.amount_fen,
        actor: c.actor,
        at,
      });
      if (!opened) {
        // Nothing of the order is left to refund here (every unit refunded, or closed by an earlier
        // decision): the channel is told no at once. Units held by another open request wait for it.
        const left = await trx
          .selectFrom('units')
          .select('id')
          .where('order_id', '=', order.order_id)
          .where('refunded_at', 'is', null)
          .where('refund_barred_at', 'is', null)
          .executeTakeFirst();
        if (!left && r.answer === null) await refuseUnrefundable(ctx, trx, c, r);
        return;
      }
      requestId = opened.requestId;
      await trx
        .updateTable('channel_refunds')
        .set({ request_id: requestId })
        .where('id', '=', r.id)
        .execute();
    }
    const decided =
      r.decided_by === 'CHANNEL' ||
      r.decided_by === 'TIMEOUT' ||
      r.decided_by === 'SELLER' ||
      r.decided_by === 'BUYER'
        ? r.decided_by
        : null;
    const outcome: ChannelOutcome | null =
      r.status === 'SUCCESS'
        ? { kind: 'REFUNDED', by: decided, intervened: r.intervened === 1 }
        : r.status === 'AGREED'
          ? { kind: 'AGREED', by: decided, intervened: r.intervened === 1 }
          : r.status === 'REFUSED'
            ? { kind: 'REFUSED' }
            : r.status === 'CLOSED'
              ? { kind: 'CLOSED', cancelledByBuyer: r.decided_by === 'BUYER' }
              : r.status === 'INTERVENING'
                ? { kind: 'INTERVENING' }
                : null;
    if (!outcome) return;
    if (outcome.kind === 'INTERVENING') {
      // Recorded once on the request's trail: the refund is now the channel staff's to decide.
      const noted = await trx
        .selectFrom('audit_events')
        .select('id')
        .where('object_id', '=', requestId)
        .where('action', '=', 'refund.channel_intervened')
        .executeTakeFirst();
      if (noted) return;
    }
    const done = await applyChannelOutcome(trx, ctx, requestId, outcome, c);
    if (done.overridden)
      await trx.updateTable('channel_refunds').set({ overridden: 1 }).where('id', '=', r.id).execute();
  });
}
