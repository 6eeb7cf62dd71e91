/**
 * What happens to sandbox orders and refunds, whoever moves them: the channel buyer (pays,
 * confirms receipt, asks for a refund, cancels it, asks the channel to step in), the channel's
 * staff (decides an intervened refund), the seller through the API (ships, agrees, refuses), the
 * 二次校验 answer (闲鱼) and the clock (timeouts, auto-confirm, PDD's payout). Every change runs
 * in one unit of work: the order row is locked first, then the refund, and the message about the
 * change is queued in the same transaction.
 *
 * Refund states (sandbox words; render.ts gives each channel's):
 *   WAIT_SELLER → REFUSED (seller) | AGREED (PDD: agreed, paying) | SUCCESS | CLOSED (buyer)
 *   REFUSED → INTERVENTION APPLIED (buyer) → SUCCESS/AGREED | CLOSED (staff), or CLOSED (buyer,
 *   or the buyer's window passing), or SUCCESS (the seller changes its mind)
 *   AGREED → SUCCESS (PDD's payout, a minute later)
 * A refund the seller leaves unanswered is agreed by the channel (TIMEOUT). Before completion
 * (Taobao onsale), a refund of every unit closes the trade; after it (aftersale) the trade stays
 * finished.
 */
import type { Clock } from '../../../platform/clock.js';
import { now, type Db } from '../../../platform/db/dialect.js';
import { fail } from '../../../platform/errors.js';
import { unitOfWork } from '../../../platform/unit-of-work.js';
import { unixSeconds } from '../connectors/sign.js';
import type { XianyuCheck } from '../connectors/wire.js';
import { agree, close, emitOrder, emitRefund, finish, lockRefund, pay } from './outcomes.js';
import { queueCheck, type CheckAnswer } from './outbox.js';
import { findProfile } from './profiles.js';
import {
  isOpen,
  newOrderId,
  nextModified,
  orderById,
  refundById,
  refundsOf,
  shopById,
  updateOrder,
  updateRefund,
  digitsId,
  type OrderRow,
  type RefundRow,
  type ShopRow,
} from './store.js';

export { PDD_PAYOUT_SECONDS } from './outcomes.js';

const later = (at: Date, seconds: number): string => now(new Date(at.getTime() + seconds * 1000));

export interface PlaceOrderInput {
  shopId: string;
  itemId: string;
  quantity: number;
  buyerNick: string;
  profile: string;
}

export interface AnswerInput {
  message: string;
  outId: string | null;
}

export interface ShipInput {
  ok: boolean;
  message: string;
  failReason: string | null;
  outId: string | null;
}

export class Trades {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  private work<T>(fn: (trx: Db, at: Date) => Promise<T>, at: Date = this.deps.clock.now()): Promise<T> {
    return unitOfWork({ db: this.deps.db }, (trx) => fn(trx, at));
  }

  // ---- the buyer --------------------------------------------------------------------------------

  placeOrder(input: PlaceOrderInput): Promise<OrderRow> {
    if (!findProfile(input.profile)) fail('sandbox.channel_unknown_profile');
    return this.work(async (trx, at) => {
      const shop = await shopById(trx, input.shopId);
      const item = await trx
        .selectFrom('sandbox_channel_items')
        .selectAll()
        .where('id', '=', input.itemId)
        .where('shop_id', '=', shop.id)
        .executeTakeFirst();
      if (!item) fail('sandbox.channel_item_not_found');
      const order: OrderRow = {
        id: newOrderId(shop.channel, at),
        shop_id: shop.id,
        item_id: item.id,
        title: item.title,
        quantity: input.quantity,
        unit_price_fen: item.price_fen,
        total_fen: item.price_fen * input.quantity,
        buyer_nick: input.buyerNick,
        profile: input.profile,
        state: 'PAID',
        refunded_quantity: 0,
        close_reason: null,
        paid_at: now(at),
        shipped_at: null,
        finished_at: null,
        closed_at: null,
        auto_finish_at: null,
        delivery_ok: null,
        delivery_message: null,
        delivery_fail_reason: null,
        delivery_out_id: null,
        delivered_at: null,
        modified_at: nextModified(null, at),
        version: 1,
        created_at: now(at),
      };
      await trx.insertInto('sandbox_channel_orders').values(order).execute();
      await emitOrder(trx, shop, order, at, true);
      return order;
    });
  }

  confirmReceipt(orderId: string): Promise<OrderRow> {
    return this.work(async (trx, at) => {
      const order = await orderById(trx, orderId, true);
      if (order.state !== 'SHIPPED') fail('sandbox.channel_order_state', { params: { state: order.state } });
      if ((await refundsOf(trx, order.id)).some(isOpen)) fail('sandbox.channel_refund_open');
      return finish(trx, await shopById(trx, order.shop_id), order, at);
    });
  }

  requestRefund(orderId: string, input: { quantity: number; reason: string }): Promise<RefundRow> {
    return this.work(async (trx, at) => {
      const order = await orderById(trx, orderId, true);
      const shop = await shopById(trx, order.shop_id);
      if (order.state === 'CLOSED') fail('sandbox.channel_order_state', { params: { state: order.state } });
      if ((await refundsOf(trx, order.id)).some(isOpen)) fail('sandbox.channel_refund_open');
      const max = order.quantity - order.refunded_quantity;
      if (max <= 0 || input.quantity < 1 || input.quantity > max)
        fail('sandbox.channel_refund_quantity', { params: { max } });
      const checks = shop.channel === 'XIANYU' && shop.notify_url !== null;
      const refund: RefundRow = {
        id: digitsId(shop.channel === 'PDD' ? 12 : 18),
        shop_id: shop.id,
        order_id: order.id,
        quantity: input.quantity,
        amount_fen: order.unit_price_fen * input.quantity,
        reason: input.reason,
        state: 'WAIT_SELLER',
        intervention: 'NONE',
        phase: shop.channel === 'TAOBAO' ? (order.state === 'FINISHED' ? 'AFTERSALE' : 'ONSALE') : null,
        decided_by: null,
        seller_message: null,
        answer_out_id: null,
        check_state: checks ? 'PENDING' : 'NONE',
        check_message: null,
        due_at: later(at, shop.seller_answer_seconds),
        finished_at: null,
        modified_at: nextModified(null, at),
        version: 1,
        created_at: now(at),
      };
      await trx.insertInto('sandbox_channel_refunds').values(refund).execute();
      await emitRefund(trx, shop, order, refund, 'CREATED', at);
      if (checks) {
        const check: XianyuCheck = {
          authorize_id: shop.seller_id,
          refund_no: refund.id,
          order_no: order.id,
          refund_num: refund.quantity,
          refund_amount: refund.amount_fen,
          reason: refund.reason,
          apply_time: unixSeconds(at),
        };
        await queueCheck(trx, shop, refund.id, order.id, check, at);
      }
      return refund;
    });
  }

  cancelRefund(refundId: string): Promise<RefundRow> {
    return this.work(async (trx, at) => {
      const { shop, order, refund } = await lockRefund(trx, refundId);
      if (refund.state !== 'WAIT_SELLER' && refund.state !== 'REFUSED')
        fail('sandbox.channel_refund_state', { params: { state: refund.state } });
      return close(trx, shop, order, refund, 'BUYER', at);
    });
  }

  /** 申请小二介入 / 平台介入: after the seller refused, the buyer asks the channel's staff. */
  intervene(refundId: string): Promise<RefundRow> {
    return this.work(async (trx, at) => {
      const { shop, order, refund } = await lockRefund(trx, refundId);
      if (refund.state !== 'REFUSED' || refund.intervention !== 'NONE')
        fail('sandbox.channel_refund_state', { params: { state: refund.state } });
      const next = await updateRefund(trx, refund, { intervention: 'APPLIED', due_at: null }, at);
      await emitRefund(trx, shop, order, next, 'INTERVENTION', at);
      return next;
    });
  }

  /** The channel's staff decide an intervened refund: refund the buyer, or close it. */
  staffDecide(refundId: string, refundBuyer: boolean): Promise<RefundRow> {
    return this.work(async (trx, at) => {
      const { shop, order, refund } = await lockRefund(trx, refundId);
      if (refund.intervention !== 'APPLIED' || !isOpen(refund))
        fail('sandbox.channel_refund_state', { params: { state: refund.state } });
      return refundBuyer
        ? agree(trx, shop, order, refund, 'CHANNEL', at, {})
        : close(trx, shop, order, refund, 'CHANNEL', at);
    });
  }

  // ---- the seller (through the API) ------------------------------------------------------------

  /** Agrees a refund; agreeing one already agreed or paid is a no-op (a retried call). */
  sellerAgree(shop: ShopRow, refundId: string, input: AnswerInput): Promise<RefundRow> {
    return this.work(async (trx, at) => {
      const { order, refund } = await lockRefund(trx, refundId, shop);
      if (refund.state === 'AGREED' || refund.state === 'SUCCESS') return refund;
      if (refund.state === 'CLOSED')
        fail('sandbox.channel_refund_state', { params: { state: refund.state } });
      return agree(trx, shop, order, refund, 'SELLER', at, {
        seller_message: input.message,
        answer_out_id: input.outId,
      });
    });
  }

  /** Refuses a refund waiting for the seller; refusing one already refused is a no-op. */
  sellerRefuse(shop: ShopRow, refundId: string, input: AnswerInput): Promise<RefundRow> {
    return this.work(async (trx, at) => {
      const { order, refund } = await lockRefund(trx, refundId, shop);
      if (refund.state === 'REFUSED') return refund;
      if (refund.state !== 'WAIT_SELLER')
        fail('sandbox.channel_refund_state', { params: { state: refund.state } });
      const next = await updateRefund(
        trx,
        refund,
        {
          state: 'REFUSED',
          decided_by: 'SELLER',
          seller_message: input.message,
          answer_out_id: input.outId,
          due_at: later(at, shop.buyer_response_seconds),
        },
        at,
      );
      await emitRefund(trx, shop, order, next, 'REFUSED', at);
      return next;
    });
  }

  /**
   * Kameng ships (virtual goods: the message with the lookup link and code) or says it cannot
   * deliver. Shipping again is idempotent: the message is updated, nothing ships twice. A failed
   * delivery closes the order and the channel refunds the buyer (PDD's FAIL notify, 闲鱼).
   */
  ship(shop: ShopRow, orderId: string, input: ShipInput): Promise<OrderRow> {
    return this.work(async (trx, at) => {
      const order = await orderById(trx, orderId, true);
      if (order.shop_id !== shop.id) fail('sandbox.channel_order_not_found');
      if (input.ok) {
        if (order.state === 'SHIPPED' || order.state === 'FINISHED') {
          if (order.delivery_message === input.message) return order;
          return updateOrder(trx, order, { delivery_message: input.message }, at);
        }
        if (order.state !== 'PAID') fail('sandbox.channel_order_state', { params: { state: order.state } });
        const next = await updateOrder(
          trx,
          order,
          {
            state: 'SHIPPED',
            shipped_at: now(at),
            auto_finish_at: later(at, shop.auto_confirm_seconds),
            delivery_ok: 1,
            delivery_message: input.message,
            delivery_out_id: input.outId,
            delivered_at: now(at),
          },
          at,
        );
        await emitOrder(trx, shop, next, at);
        return next;
      }
      if (order.state === 'CLOSED' && order.close_reason === 'DELIVERY_FAILED') return order;
      if (order.state !== 'PAID') fail('sandbox.channel_order_state', { params: { state: order.state } });
      for (const r of (await refundsOf(trx, order.id)).filter(isOpen)) {
        await close(trx, shop, order, await refundById(trx, r.id, true), 'CHANNEL', at);
      }
      const next = await updateOrder(
        trx,
        order,
        {
          state: 'CLOSED',
          closed_at: now(at),
          close_reason: 'DELIVERY_FAILED',
          delivery_ok: 0,
          delivery_message: input.message,
          delivery_fail_reason: input.failReason,
          delivery_out_id: input.outId,
          delivered_at: now(at),
        },
        at,
      );
      await emitOrder(trx, shop, next, at);
      return next;
    });
  }

  /** 闲鱼's 二次校验 answered (null: never answered): refundable pays the buyer at once. */
  async checkAnswered(refundId: string, answer: CheckAnswer | null, when?: Date): Promise<void> {
    await this.work(async (trx, at) => {
      const { shop, order, refund } = await lockRefund(trx, refundId);
      if (refund.check_state !== 'PENDING') return;
      if (!answer) {
        await updateRefund(trx, refund, { check_state: 'FAILED' }, at);
        return;
      }
      const checked = await updateRefund(
        trx,
        refund,
        { check_state: answer.refundable ? 'REFUNDABLE' : 'NOT_REFUNDABLE', check_message: answer.message },
        at,
      );
      if (answer.refundable && checked.state === 'WAIT_SELLER')
        await agree(trx, shop, order, checked, 'SELLER', at, {});
    }, when);
  }

  // ---- the clock --------------------------------------------------------------------------------

  /** One due refund deadline: the seller's answer (agreed), the buyer's move (closed), PDD payout. */
  refundDue(refundId: string, when?: Date): Promise<'timedOut' | 'closed' | 'paid' | null> {
    return this.work(async (trx, at) => {
      const { shop, order, refund } = await lockRefund(trx, refundId);
      if (refund.due_at === null || new Date(refund.due_at) > at) return null;
      if (refund.state === 'WAIT_SELLER' && refund.intervention !== 'APPLIED') {
        await agree(trx, shop, order, refund, 'TIMEOUT', at, {});
        return 'timedOut';
      }
      if (refund.state === 'REFUSED' && refund.intervention !== 'APPLIED') {
        await close(trx, shop, order, refund, 'TIMEOUT', at);
        return 'closed';
      }
      if (refund.state === 'AGREED') {
        await pay(trx, shop, order, refund, at, {});
        return 'paid';
      }
      return null;
    }, when);
  }

  /** A shipped order whose confirm window passed, with no refund open, is finished by the channel. */
  autoFinish(orderId: string, when?: Date): Promise<boolean> {
    return this.work(async (trx, at) => {
      const order = await orderById(trx, orderId, true);
      if (order.state !== 'SHIPPED' || order.auto_finish_at === null || new Date(order.auto_finish_at) > at)
        return false;
      if ((await refundsOf(trx, order.id)).some(isOpen)) return false; // paused while a refund is open
      await finish(trx, await shopById(trx, order.shop_id), order, at);
      return true;
    }, when);
  }
}
