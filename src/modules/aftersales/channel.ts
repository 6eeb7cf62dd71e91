/**
 * Channel refunds under both rule sets (spec §11). A refund the buyer asked for on Taobao,
 * Pinduoduo or 闲鱼 opens a Kameng request on the same units, judged by the same eligibility
 * function as any other: every unit sealed and eligible → approved at once (the keys go back to
 * stock and the channel is told to agree); otherwise the merchant decides here, with the records
 * and evidence beside it, and the answer goes back to the channel. The channel's own state
 * changes then move the request: its buyer cancelled, its staff intervened, it refunded (also
 * over the merchant's refusal — recorded as the channel's decision) or closed it. The money is
 * refunded by the channel; Kameng records it.
 */
import { systemActor, type Actor, type UserActor } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { RefundState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { requestHash } from '../../platform/idempotency.js';
import { getPlatformRules } from '../../platform/settings.js';
import { lockForApplication, route, writeRequest, type Judged } from './apply.js';
import { cancelPhase, reviewDue } from './deadlines.js';
import type { RefundReason } from './explain.js';
import { assess } from './facts.js';
import { lockRequest, requestMachine } from './lifecycle.js';
import { approveAndPay, finishRefunded, takeBackUnits } from './payout.js';
import { cancelDeadline } from '../../platform/deadlines.js';
import { resolveAlerts } from '../../platform/alerts.js';
import type { AfterSalesContext } from './requests.js';

/**
 * The channel buyer's words, read for the nearest Kameng reason. A channel names no reason code;
 * words that name no fault of the goods are a personal reason — the no-reason return of 消法 §25
 * (NO_LONGER_NEEDED), which a sealed key has whatever the buyer writes — never 其他 (OTHER would
 * send a sealed key's refund to review that the rules would grant anyway).
 */
export function reasonFromChannel(text: string): RefundReason {
  const t = text.toLowerCase();
  if (/拍错|误拍|拍多|多拍|买错|买多|多买|不小心|mistake|wrong item/.test(t)) return 'MISTAKEN_PURCHASE';
  if (/重复|duplicate/.test(t)) return 'DUPLICATE_ORDER';
  if (/无效|不能用|用不了|错误|已被使用|已使用|被激活|已激活|invalid|not work|used/.test(t))
    return 'DEFECTIVE';
  if (/未发货|没发货|没收到|未收到|not delivered|not received/.test(t)) return 'NOT_DELIVERED';
  if (/描述不符|与描述|不符|not as described/.test(t)) return 'NOT_AS_DESCRIBED';
  return 'NO_LONGER_NEEDED';
}

export interface ChannelRefundOpen {
  orderId: string;
  /** The channel refund row's id: the request's idempotency key (one request per channel refund). */
  channelRefundRowId: string;
  /** The buyer asked again on the channel after a refusal: the n-th request for the same refund. */
  attempt?: number;
  quantity: number;
  reasonText: string;
  /** What the channel says is refunded (its money, its amount). */
  amountFen: number;
  actor: Actor;
  at: Date;
}

/**
 * Which units a channel refund of `quantity` covers: the channel names a count, not keys. Sealed
 * keys first (returned to stock without loss), then revealed, then the rest; units refunded, held
 * by an open request or closed by arbitration are not offered.
 */
async function pickUnits(trx: Db, order: Row<'orders'>, quantity: number, at: Date) {
  const { facts } = await assess(trx, order, { reason: 'OTHER', evidenceAttached: false, at });
  const rank = (s: string | undefined) => (s === 'SEALED' ? 0 : s === 'REVEALED' ? 1 : 2);
  return facts
    .filter((f) => !f.alreadyRefunded && !f.inOpenRequest && !f.arbitrated)
    .sort((a, b) => rank(a.key?.state) - rank(b.key?.state))
    .slice(0, quantity)
    .map((f) => f.unitId);
}

/**
 * Opens the Kameng request for a channel refund (once per channel refund: a replay returns the
 * first), in the caller's unit of work. Null when nothing of the order is left to refund.
 */
export async function openChannelRequest(
  trx: Db,
  ctx: AfterSalesContext,
  input: ChannelRefundOpen,
): Promise<{ requestId: string; state: RefundState } | null> {
  const order = await trx.selectFrom('orders').selectAll().where('id', '=', input.orderId).executeTakeFirst();
  if (!order || order.payment_method !== 'CHANNEL') fail('order.not_found');
  // The shop's channel buyer (no login) stands for the buyer here, as it owns the units.
  const buyer: UserActor = {
    kind: 'user',
    id: order.buyer_id,
    role: 'buyer',
    memberLevel: 'REGULAR',
    merchantId: null,
  };
  const attempt = input.attempt ?? 1;
  const key =
    attempt > 1 ? `channel:${input.channelRefundRowId}:${attempt}` : `channel:${input.channelRefundRowId}`;
  const replay = async () =>
    trx
      .selectFrom('refund_requests')
      .select(['id', 'state'])
      .where('buyer_id', '=', buyer.id)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  const first = await replay();
  if (first) return { requestId: first.id, state: first.state };
  await lockForApplication(trx, ctx, buyer, order.id);
  const again = await replay();
  if (again) return { requestId: again.id, state: again.state };
  if (order.state !== 'DELIVERED') return null;
  const unitIds = await pickUnits(trx, order, input.quantity, input.at);
  if (unitIds.length === 0) return null;
  const reason = reasonFromChannel(input.reasonText);
  const { result, facts } = await assess(trx, order, {
    unitIds,
    reason,
    evidenceAttached: false,
    at: input.at,
  });
  const rules = await getPlatformRules(trx);
  const judged: Judged = {
    result,
    facts,
    rules,
    amount:
      Math.min(input.amountFen, order.unit_price_fen * unitIds.length) ||
      order.unit_price_fen * unitIds.length,
    instant: result.units.every((u) => u.sealedAndEligible),
  };
  const due = await reviewDue(trx, rules, order.merchant_id, input.at);
  const apply = {
    unitIds,
    reason,
    description: `【渠道售后】${input.reasonText}`.slice(0, 1000),
    files: [],
  };
  const id = await writeRequest(
    trx,
    {
      buyer,
      order,
      input: apply,
      key,
      hash: requestHash({ channelRefund: input.channelRefundRowId, attempt }),
      files: [],
    },
    judged,
    due,
    input.at,
  );
  await route(trx, ctx, { id, order, input: apply }, judged, due, input.at);
  const state = await trx
    .selectFrom('refund_requests')
    .select('state')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { requestId: id, state: state.state };
}

/** What the channel says became of its refund, as it moves the Kameng request. */
export type ChannelOutcome =
  // agreed on the channel (its staff, its timeout, or the seller in the channel's back office)
  | { kind: 'AGREED'; by: 'SELLER' | 'CHANNEL' | 'TIMEOUT' | 'BUYER' | null; intervened: boolean }
  | { kind: 'REFUSED' } // refused on the channel (the seller in the channel's back office, or our own answer)
  | { kind: 'REFUNDED'; by: 'SELLER' | 'CHANNEL' | 'TIMEOUT' | 'BUYER' | null; intervened: boolean }
  | { kind: 'CLOSED'; cancelledByBuyer: boolean }
  | { kind: 'INTERVENING' };

const CHANNEL_OPEN: readonly RefundState[] = ['PENDING_REVIEW', 'SUPPORT_REVIEW', 'REJECTED'];

/**
 * Applies a channel's refund state to its Kameng request (idempotent: a state already applied, or
 * an outcome the request has moved past, changes nothing). Returns whether the channel's staff
 * refunded over the merchant's refusal (the caller records it on the channel refund).
 */
export async function applyChannelOutcome(
  trx: Db,
  ctx: AfterSalesContext,
  requestId: string,
  outcome: ChannelOutcome,
  c: { actor: Actor; at: Date; channelName: string },
): Promise<{ overridden: boolean; changed: boolean }> {
  const r = await lockRequest(trx, ctx, requestId);
  const none = { overridden: false, changed: false };
  switch (outcome.kind) {
    case 'INTERVENING':
      await appendAudit(trx, {
        actor: c.actor,
        action: 'refund.channel_intervened',
        objectType: 'refund_request',
        objectId: r.id,
        data: { channel: c.channelName, state: r.state },
        at: c.at,
      });
      return { overridden: false, changed: true };
    case 'REFUSED': {
      // Our own refusal coming back is already REJECTED; a refusal made in the channel's back office
      // while the request waits here is recorded as the merchant's, taken on the channel.
      if (r.state !== 'PENDING_REVIEW' && r.state !== 'SUPPORT_REVIEW') return none;
      await cancelPhase(trx, r.id, r.version);
      await requestMachine.transition(trx, {
        row: r,
        to: 'REJECTED',
        by: 'channel',
        actor: c.actor,
        at: c.at,
        set: { decision_code: 'CHANNEL_REFUSED', decided_role: 'channel', decided_at: now(c.at) },
        data: { channel: c.channelName },
      });
      return { overridden: false, changed: true };
    }
    case 'CLOSED': {
      if (r.state === 'REFUNDING') {
        // Agreed here, withdrawn on the channel before it paid: nothing was refunded and the units
        // were never taken back (approveAndPay holds them for a channel order) — they are free again.
        await cancelDeadline(trx, 'PAYOUT_DELAY', r.id);
        await resolveAlerts(trx, r.id, ['PAYOUT_DELAYED'], { by: null, what: 'CHANNEL_CLOSED', at: c.at });
        await requestMachine.transition(trx, {
          row: r,
          to: 'CLOSED',
          by: 'channel',
          actor: c.actor,
          at: c.at,
          data: { channel: c.channelName, cancelledByBuyer: outcome.cancelledByBuyer, afterAgreement: true },
        });
        return { overridden: false, changed: true };
      }
      if (!CHANNEL_OPEN.includes(r.state)) return none;
      await cancelPhase(trx, r.id, r.version);
      const to = outcome.cancelledByBuyer && r.state !== 'REJECTED' ? 'CANCELLED' : 'CLOSED';
      await requestMachine.transition(trx, {
        row: r,
        to,
        by: 'channel',
        actor: c.actor,
        at: c.at,
        data: { channel: c.channelName, cancelledByBuyer: outcome.cancelledByBuyer },
      });
      return { overridden: false, changed: true };
    }
    case 'AGREED':
    case 'REFUNDED': {
      let overridden = false;
      if (CHANNEL_OPEN.includes(r.state)) {
        const by = outcome.by;
        // Over the merchant's refusal only when the channel's staff decided it (小二/平台介入): the
        // merchant agreeing in the channel's back office, or the channel's timeout, is not that.
        overridden = r.state === 'REJECTED' && (by === 'CHANNEL' || outcome.intervened);
        await approveAndPay(trx, ctx, {
          request: r,
          by: 'channel',
          actor: c.actor,
          at: c.at,
          code: overridden ? 'CHANNEL_OVERRODE' : by === 'TIMEOUT' ? 'CHANNEL_TIMEOUT' : 'CHANNEL_DECIDED',
          note: overridden
            ? `${c.channelName} 平台介入后判定退款（推翻商家的拒绝）`
            : by === 'TIMEOUT'
              ? `${c.channelName} 因商家超时未处理自动同意退款`
              : `${c.channelName} 已同意退款`,
        });
        if (overridden)
          await appendAudit(trx, {
            actor: c.actor,
            action: 'refund.channel_overrode',
            objectType: 'refund_request',
            objectId: r.id,
            data: { channel: c.channelName, merchantDecision: r.decision_code, decidedBy: by },
            at: c.at,
          });
      } else if (r.state !== 'REFUNDING') return none;
      if (outcome.kind === 'AGREED') return { overridden, changed: true };
      // The channel paid: the units come back now (sealed keys to stock, revealed ones voided).
      const current = await trx
        .selectFrom('refund_requests')
        .selectAll()
        .where('id', '=', r.id)
        .executeTakeFirstOrThrow();
      if (current.state === 'REFUNDING') {
        await takeBackUnits(trx, { actor: c.actor, at: c.at, engine: ctx.engine }, r.id, 'CHANNEL_REFUNDED');
        await finishRefunded(trx, current, c.at, c.actor);
      }
      return { overridden, changed: true };
    }
  }
}

export const channelActor = (channel: string): Actor => systemActor(`channel-${channel.toLowerCase()}`);
