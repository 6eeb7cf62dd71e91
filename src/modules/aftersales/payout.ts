/**
 * From approval to money back (spec §8): approval marks the units refunded, returns sealed keys to
 * stock and voids revealed ones, takes settled money back into escrow and writes the payout row —
 * all in the deciding transaction; the payout is sent after commit (balance: at once). Payout
 * results move the request: SUCCESS → REFUNDED, ABNORMAL (or a gateway that keeps closing) →
 * REFUND_ABNORMAL, where the buyer picks the platform balance or support reroutes it. A payout not
 * done within the platform's working days raises a delay alert (到账延迟).
 */
import type { Actor } from '../../platform/actor.js';
import { systemActor } from '../../platform/actor.js';
import { lockUser, now, type Db } from '../../platform/db/dialect.js';
import type { PayoutState, Row } from '../../platform/db/schema.js';
import { cancelDeadline, scheduleDeadline } from '../../platform/deadlines.js';
import { DomainError, fail } from '../../platform/errors.js';
import { fenToYuan } from '../../platform/money.js';
import { getPlatformRules } from '../../platform/settings.js';
import { appendAudit } from '../../platform/audit.js';
import { returnToStock, voidUnitKeys } from '../inventory/index.js';
import { notify, supportUsers } from '../notifications/index.js';
import { refundMembership } from '../membership/index.js';
import { markOrderRefunded } from '../orders/index.js';
import { closeRerouted } from '../payments/index.js';
import { applyRefundNotice, createPayout } from '../payments/index.js';
import { BALANCE_PROVIDER, type PaymentsContext } from '../payments/index.js';
import type { AfterSalesContext } from './requests.js';
import { startRefund } from '../payments/index.js';
import { cancelPhase, workingDaysFrom } from './deadlines.js';
import { raiseAlert, resolveAlerts } from '../../platform/alerts.js';
import { isChannelRequest, lockRequest, requestMachine, type RefundActor } from './lifecycle.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const PAYOUTS = systemActor('payouts');

export interface Approval {
  request: Pick<Row<'refund_requests'>, 'id' | 'state' | 'version'>;
  by: RefundActor;
  actor: Actor;
  at: Date;
  code: string;
  note: string | null;
  /** An arbitrator's award of some of the units: what is refunded (default: the request's amount). */
  amountFen?: number;
}

/** The units a request still holds, with their keys' states. */
const heldUnits = (trx: Db, requestId: string) =>
  trx
    .selectFrom('refund_request_units')
    .innerJoin('units', 'units.id', 'refund_request_units.unit_id')
    .leftJoin('keys', 'keys.unit_id', 'units.id')
    .select(['units.id as unit_id', 'units.refunded_at', 'keys.state'])
    .where('refund_request_units.request_id', '=', requestId)
    // an arbitrator may award some of the units: the others were released by the decision
    .where('refund_request_units.released_at', 'is', null)
    .execute();

/**
 * An instant approval rests on every key still being sealed: if one was revealed meanwhile, the
 * basis is gone — the caller gets a conflict and the request is judged again.
 */
async function assertStillSealed(trx: Db, requestId: string): Promise<void> {
  const units = await heldUnits(trx, requestId);
  if (units.some((u) => u.state !== 'SEALED' && u.state !== 'INVALID'))
    fail('request.conflict', { field: 'unitIds' });
}

/**
 * The units of a refund come back (spec §5): a sealed key never left the platform and returns to
 * stock; a revealed one is voided; each unit is marked refunded.
 */
export async function takeBackUnits(
  trx: Db,
  c: { actor: Actor; at: Date; engine: AfterSalesContext['engine'] },
  requestId: string,
  code: string,
): Promise<void> {
  const units = await heldUnits(trx, requestId);
  if (units.some((u) => u.refunded_at !== null)) fail('refund.unit_refunded');
  if (code === 'AUTO_SEALED_ELIGIBLE' && units.some((u) => u.state !== 'SEALED' && u.state !== 'INVALID'))
    fail('request.conflict', { field: 'unitIds' });
  const ofState = (s: string) => [...new Set(units.filter((u) => u.state === s).map((u) => u.unit_id))];
  await returnToStock(trx, c, ofState('SEALED'));
  await voidUnitKeys(trx, c, ofState('REVEALED'));
  if (units.length > 0)
    await trx
      .updateTable('units')
      .set({ refunded_at: now(c.at) })
      .where(
        'id',
        'in',
        units.map((u) => u.unit_id),
      )
      .execute();
}

/** Approves a request and starts its refund (the payout is sent once the transaction commits). */
export async function approveAndPay(trx: Db, ctx: AfterSalesContext, a: Approval): Promise<void> {
  // What approval needs of the request (buyer, order, amount, number) does not change with it.
  const request = await trx
    .selectFrom('refund_requests')
    .selectAll()
    .where('id', '=', a.request.id)
    .executeTakeFirstOrThrow();
  await lockUser(trx, ctx.engine, request.buyer_id); // already held on the decide path; first on the sweeper's
  await cancelPhase(trx, a.request.id, a.request.version);
  const role = a.actor.kind === 'user' ? a.actor.role : 'system';
  const { version: v } = await requestMachine.transition(trx, {
    row: a.request,
    to: 'APPROVED',
    by: a.by,
    actor: a.actor,
    at: a.at,
    set: {
      decision_code: a.code,
      decision_note: a.note,
      decided_by: a.actor.kind === 'user' ? a.actor.id : null,
      decided_role: a.by === 'system' || a.by === 'channel' ? a.by : role,
      decided_at: now(a.at),
      ...(a.amountFen === undefined ? {} : { amount_fen: a.amountFen }),
    },
    data: { code: a.code },
  });
  const order = await trx
    .selectFrom('orders')
    .select(['kind', 'payment_method'])
    .where('id', '=', request.order_id)
    .executeTakeFirstOrThrow();
  // A channel order's money is on the channel (spec §11): the channel refunds it once told to agree
  // (unless its own staff or timeout decided). Its units stay held by the request — a sealed key
  // cannot be revealed meanwhile — and are taken back only when the channel reports the refund
  // (`takeBackUnits`), so a refund the buyer cancels on the channel leaves them as they were.
  const channel = order.payment_method === 'CHANNEL';
  const c = { actor: a.actor, at: a.at, engine: ctx.engine };
  if (!channel) await takeBackUnits(trx, c, request.id, a.code);
  else if (a.code === 'AUTO_SEALED_ELIGIBLE') await assertStillSealed(trx, request.id);
  // A refunded membership ends its member prices (spec §2).
  if (order.kind === 'MEMBERSHIP') await refundMembership(trx, c, request.order_id, request.id);
  if (channel && a.by !== 'channel')
    await ctx.afterSales.channelAnswer(trx, { actor: a.actor, at: a.at }, request, {
      agree: true,
      message: a.note ?? '',
    });
  const payoutId = channel
    ? null
    : await startRefund(trx, ctx, c, {
        orderId: request.order_id,
        requestId: request.id,
        amountFen: a.amountFen ?? request.amount_fen,
      });
  await requestMachine.transition(trx, {
    row: { id: request.id, state: 'APPROVED', version: v },
    to: 'REFUNDING',
    by: 'system',
    actor: PAYOUTS,
    at: a.at,
    data: channel ? { refundedBy: 'CHANNEL' } : { payoutId },
  });
  const rules = await getPlatformRules(trx);
  const delay = await workingDaysFrom(trx, a.at, rules.payoutDelayWorkingDays);
  await scheduleDeadline(trx, { kind: 'PAYOUT_DELAY', objectId: request.id, dueAt: delay.dueAt, at: a.at });
  await notify(
    trx,
    [request.buyer_id],
    {
      kind: 'REFUND_DECISION',
      titleZh: '售后申请已同意',
      titleEn: 'Refund approved',
      bodyZh: `售后申请 ${request.request_no} 已同意，¥${fenToYuan(a.amountFen ?? request.amount_fen)} 将原路退回。`,
      bodyEn: `Refund request ${request.request_no} was approved; ¥${fenToYuan(a.amountFen ?? request.amount_fen)} goes back the way you paid.`,
      link: `/refunds/${request.id}`,
      object: { type: 'refund_request', id: request.id },
    },
    a.at,
  );
}

async function finishIfPaid(trx: Db, request: Row<'refund_requests'>, at: Date): Promise<void> {
  const done = await trx
    .selectFrom('payouts')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_fen'), eb.val(0)).as('total'))
    .where('refund_request_id', '=', request.id)
    .where('state', '=', 'SUCCESS')
    .executeTakeFirstOrThrow();
  if (Number(done.total) < request.amount_fen) return;
  await finishRefunded(trx, request, at, PAYOUTS);
}

/**
 * The money of a request is back with the buyer: REFUNDED, its delay deadline and alerts done,
 * the order refunded once every unit is and no payout of it is on its way. Payouts call this when
 * theirs succeed; the channels module when a channel reports its refund (spec §11).
 */
export async function finishRefunded(
  trx: Db,
  request: Row<'refund_requests'>,
  at: Date,
  actor: Actor,
): Promise<void> {
  await requestMachine.transition(trx, { row: request, to: 'REFUNDED', by: 'system', actor, at });
  await cancelDeadline(trx, 'PAYOUT_DELAY', request.id);
  await resolveAlerts(trx, request.id, ['PAYOUT_ABNORMAL', 'PAYOUT_DELAYED', 'DEADLINE_FAILING'], {
    by: null,
    what: 'REFUNDED',
    at,
  });
  // Every unit of the order refunded and no payout of it still on its way: the order is refunded.
  const left = await trx
    .selectFrom('units')
    .select('id')
    .where('order_id', '=', request.order_id)
    .where('refunded_at', 'is', null)
    .executeTakeFirst();
  const inFlight = await trx
    .selectFrom('payouts')
    .select('id')
    .where('order_id', '=', request.order_id)
    .where('state', 'in', ['PENDING', 'PROCESSING', 'ABNORMAL'])
    .executeTakeFirst();
  if (!left && !inFlight)
    await markOrderRefunded(trx, { actor, at }, request.order_id, { requestId: request.id });
  await notify(
    trx,
    [request.buyer_id],
    {
      kind: 'PAYOUT_STATUS',
      titleZh: '退款已到账',
      titleEn: 'Refund arrived',
      bodyZh: `售后申请 ${request.request_no} 的 ¥${fenToYuan(request.amount_fen)} 已退回。`,
      bodyEn: `¥${fenToYuan(request.amount_fen)} of refund request ${request.request_no} has been paid back.`,
      link: `/refunds/${request.id}`,
      object: { type: 'refund_request', id: request.id },
    },
    at,
  );
}

async function markAbnormal(
  trx: Db,
  request: Row<'refund_requests'>,
  payout: Row<'payouts'>,
  at: Date,
): Promise<void> {
  if (request.state === 'REFUNDING')
    await requestMachine.transition(trx, {
      row: request,
      to: 'REFUND_ABNORMAL',
      by: 'system',
      actor: PAYOUTS,
      at,
      data: { payoutId: payout.id },
    });
  await raiseAlert(
    trx,
    'PAYOUT_ABNORMAL',
    { type: 'payout', id: payout.id },
    request.id,
    { provider: payout.provider },
    at,
  );
  await notify(
    trx,
    [request.buyer_id],
    {
      kind: 'PAYOUT_STATUS',
      titleZh: '退款未能原路退回',
      titleEn: 'Refund could not be paid back',
      bodyZh: `售后申请 ${request.request_no} 的退款原路退回失败（如零钱被冻结或银行卡已注销）。可选择退到平台余额，或等待客服人工处理。`,
      bodyEn: `The refund of request ${request.request_no} could not go back the way you paid (e.g. a frozen wallet or closed card). Choose the platform balance, or wait for support to handle it.`,
      link: `/refunds/${request.id}`,
      object: { type: 'refund_request', id: request.id },
    },
    at,
  );
  await notify(
    trx,
    await supportUsers(trx),
    {
      kind: 'SUPPORT_QUEUE',
      titleZh: '退款异常',
      titleEn: 'Abnormal payout',
      bodyZh: `售后申请 ${request.request_no} 的退款异常，需要处理。`,
      bodyEn: `The payout of refund request ${request.request_no} is abnormal and needs handling.`,
      link: `/support/refunds/${request.id}`,
      object: { type: 'refund_request', id: request.id },
    },
    at,
  );
}

/**
 * After-sales' side of payments' `payoutChanged` port (wired in app.ts): a payout of a request
 * moved, in the same transaction — money back (REFUNDED), or a problem for the buyer and support.
 */
export async function payoutChanged(
  trx: Db,
  c: { at: Date },
  payout: Row<'payouts'>,
  to: PayoutState,
  replaced: boolean,
): Promise<void> {
  if (!payout.refund_request_id) return;
  const request = await trx
    .selectFrom('refund_requests')
    .selectAll()
    .where('id', '=', payout.refund_request_id)
    .executeTakeFirstOrThrow();
  if (to === 'SUCCESS' && (request.state === 'REFUNDING' || request.state === 'REFUND_ABNORMAL'))
    await finishIfPaid(trx, request, c.at);
  else if (to === 'ABNORMAL' || (to === 'CLOSED' && !replaced))
    await markAbnormal(trx, request, payout, c.at);
}

/**
 * After an ABNORMAL payout (or a gateway that kept closing it): pay what is left to the buyer's
 * platform balance instead. Taken by the buyer, or by support on the buyer's behalf.
 */
export async function rerouteToBalance(
  ctx: PaymentsContext,
  actor: Actor & { kind: 'user' },
  requestId: string,
): Promise<void> {
  // Ask the gateway first: an ABNORMAL refund it has since paid must not be paid again. Only a
  // SUCCESS stops the reroute (it is applied instead); a gateway that cannot be asked stops a
  // buyer's reroute but not support's, who decide by hand. A payout that turns SUCCESS after
  // this question and before the reroute commits raises PAYOUT_PAID_TWICE for support.
  const abnormal = await ctx.db
    .selectFrom('payouts')
    .select(['id', 'provider'])
    .where('refund_request_id', '=', requestId)
    .where('state', '=', 'ABNORMAL')
    .execute();
  const asked = new Set<string>();
  for (const p of abnormal.filter((x) => x.provider !== BALANCE_PROVIDER)) {
    const status = await ctx.gateways
      .get(p.provider)
      .queryRefund(p.id)
      .catch(() => (actor.role === 'buyer' ? fail('payment.gateway_unavailable') : null));
    if (status?.state === 'SUCCESS') {
      await applyRefundNotice(ctx, p.provider, { type: 'REFUND', ...status });
      return;
    }
    asked.add(p.id);
  }
  await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    // An unknown request reads as not found; a database error (a deadlock victim) is not swallowed.
    const request = await lockRequest(trx, ctx, requestId).catch((error: unknown) => {
      if (error instanceof DomainError) return undefined;
      throw error;
    });
    const isBuyer = actor.role === 'buyer' && request?.buyer_id === actor.id;
    const isSupport = actor.role === 'support' || actor.role === 'admin';
    if (!request || (!isBuyer && !isSupport)) fail('refund.not_found');
    if (request.state !== 'REFUND_ABNORMAL') fail('refund.abnormal_only');
    const payouts = await trx
      .selectFrom('payouts')
      .selectAll()
      .where('refund_request_id', '=', request.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    // A payout that turned ABNORMAL after the gateway was asked has not been asked: try again.
    if (payouts.some((x) => x.state === 'ABNORMAL' && x.provider !== BALANCE_PROVIDER && !asked.has(x.id)))
      fail('request.conflict', { field: 'version' });
    for (const p of payouts.filter((x) => x.state === 'ABNORMAL')) await closeRerouted(trx, { actor, at }, p);
    const committed = payouts
      .filter((x) => ['PENDING', 'PROCESSING', 'SUCCESS'].includes(x.state))
      .reduce((s, x) => s + x.amount_fen, 0);
    const left = request.amount_fen - committed;
    const last = payouts.at(-1);
    if (left > 0 && last)
      await createPayout(
        trx,
        ctx,
        { actor, at },
        {
          order: { id: request.order_id, buyer_id: request.buyer_id },
          payment: { id: last.payment_id, provider: last.provider },
          provider: BALANCE_PROVIDER,
          purpose: 'REFUND',
          amountFen: left,
          replacesId: last.id,
          requestId: request.id,
        },
      );
    await requestMachine.transition(trx, {
      row: request,
      to: 'REFUNDING',
      by: isBuyer ? 'buyer' : 'support',
      actor,
      at,
      data: { destination: 'BALANCE', amountFen: left },
    });
    await resolveAlerts(trx, request.id, ['PAYOUT_ABNORMAL'], {
      by: actor.id,
      what: 'REROUTED_TO_BALANCE',
      at,
    });
    await appendAudit(trx, {
      actor,
      action: 'refund.rerouted_to_balance',
      objectType: 'refund_request',
      objectId: request.id,
      data: { amountFen: left },
      at,
    });
  });
}

/** PAYOUT_DELAY fired: money not back within the working days promised — alert and explain. */
export async function payoutDelayed(trx: Db, requestId: string, at: Date): Promise<void> {
  const request = await trx
    .selectFrom('refund_requests')
    .selectAll()
    .where('id', '=', requestId)
    .executeTakeFirst();
  if (!request || (request.state !== 'REFUNDING' && request.state !== 'REFUND_ABNORMAL')) return;
  // A channel refund is paid by the channel: support follows it up there; the channel buyer has
  // no Kameng inbox to tell.
  if (isChannelRequest(request)) {
    const raised = await raiseAlert(
      trx,
      'PAYOUT_DELAYED',
      { type: 'refund_request', id: requestId },
      requestId,
      { refundedBy: 'CHANNEL' },
      at,
    );
    if (raised)
      await notify(
        trx,
        await supportUsers(trx),
        {
          kind: 'PAYOUT_DELAYED',
          titleZh: '渠道退款未确认',
          titleEn: 'Channel refund not confirmed',
          bodyZh: `售后申请 ${request.request_no} 已同意退款，但渠道仍未确认退款成功，请到渠道后台核实。`,
          bodyEn: `Refund request ${request.request_no} was agreed, but the channel has not confirmed the refund yet; check in the channel's back office.`,
          link: `/support/refunds/${request.id}`,
          object: { type: 'refund_request', id: request.id },
        },
        at,
      );
    return;
  }
  const pending = await trx
    .selectFrom('payouts')
    .select(['id', 'provider', 'state', 'expected_arrival_at', 'destination'])
    .where('refund_request_id', '=', requestId)
    .where('state', 'in', ['PENDING', 'PROCESSING', 'ABNORMAL'])
    .execute();
  const raised = await raiseAlert(
    trx,
    'PAYOUT_DELAYED',
    { type: 'refund_request', id: requestId },
    requestId,
    { payouts: pending },
    at,
  );
  if (!raised) return;
  const days = (await getPlatformRules(trx)).payoutDelayWorkingDays;
  await appendAudit(trx, {
    actor: PAYOUTS,
    action: 'refund.payout_delayed',
    objectType: 'refund_request',
    objectId: requestId,
    data: { payouts: pending.map((p) => p.id) },
    at,
  });
  await notify(
    trx,
    [request.buyer_id],
    {
      kind: 'PAYOUT_DELAYED',
      titleZh: '退款到账延迟',
      titleEn: 'Refund delayed',
      bodyZh: `售后申请 ${request.request_no} 的退款已超过 ${days} 个工作日仍未到账。银行卡退款可能因银行处理而延迟；平台客服已介入跟进，请留意后续通知。`,
      bodyEn: `The refund of request ${request.request_no} has not arrived within ${days} working days. Bank-card refunds can be delayed by the bank; platform support is now following it up.`,
      link: `/refunds/${request.id}`,
      object: { type: 'refund_request', id: request.id },
    },
    at,
  );
  await notify(
    trx,
    await supportUsers(trx),
    {
      kind: 'PAYOUT_DELAYED',
      titleZh: '退款到账延迟',
      titleEn: 'Payout delayed',
      bodyZh: `售后申请 ${request.request_no} 的退款超过 ${days} 个工作日未完成。`,
      bodyEn: `The payout of refund request ${request.request_no} is not done after ${days} working days.`,
      link: `/support/refunds/${request.id}`,
      object: { type: 'refund_request', id: request.id },
    },
    at,
  );
}
