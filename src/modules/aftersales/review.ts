/**
 * Review (spec §7 step 4) and the buyer's answers. The reviewer — the merchant, or support once
 * the merchant's deadline passed — approves, rejects with a reason code, or asks for material.
 * Every action names the version the actor saw: two reviewers at once give one decision and one
 * 409. A large refund needs a second confirmation; a rejection the order's own records contradict
 * is allowed once confirmed, and the warning stays on the request for the buyer and arbitration.
 */
import { z } from 'zod';
import { versionSchema } from '../../platform/http/schemas.js';
import type { UserActor } from '../../platform/actor.js';
import { now, toJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { fenToYuan } from '../../platform/money.js';
import { getPlatformRules } from '../../platform/settings.js';
import { notify } from '../notifications/index.js';
import { cancelPhase, escalationDue, schedulePhase, workingDaysFrom } from './deadlines.js';
import { assessRequest } from './facts.js';
import { REJECT_CODES, type RejectCode } from './codes.js';
import { resolveAlerts } from '../../platform/alerts.js';
import { isChannelRequest, lockRequest, requestMachine, type RefundActor } from './lifecycle.js';
import { approveAndPay, rerouteToBalance } from './payout.js';
import { buyerAct, type BuyerAction } from './buyer-actions.js';
import type { AfterSalesContext } from './requests.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export { REJECT_CODES, type RejectCode } from './codes.js';

export const decisionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('APPROVE'),
    version: versionSchema,
    note: z.string().trim().max(500).optional(),
    /** The second confirmation a large refund needs. */
    confirmLarge: z.boolean().default(false),
    /** Approve although a key was activated since the buyer applied (the key stays activated). */
    acknowledgeWarnings: z.boolean().default(false),
  }),
  z.strictObject({
    action: z.literal('REJECT'),
    version: versionSchema,
    code: z.enum(Object.keys(REJECT_CODES) as [RejectCode, ...RejectCode[]]),
    note: z.string().trim().max(500).optional(),
    /** Reject although the order's records contradict the reason given. */
    acknowledgeWarnings: z.boolean().default(false),
  }),
  z.strictObject({
    action: z.literal('REQUEST_INFO'),
    version: versionSchema,
    note: z.string().trim().min(2).max(500),
  }),
]);
export type DecisionInput = z.infer<typeof decisionSchema>;

/** Who may review the request now, as which lifecycle actor; others get the request's 404 or a 403. */
function reviewerRole(actor: UserActor, r: Row<'refund_requests'>): RefundActor {
  const staff = actor.role === 'support' || actor.role === 'admin';
  const owner = actor.role === 'merchant' && actor.merchantId !== null && actor.merchantId === r.merchant_id;
  if (!staff && !owner) fail('refund.not_found');
  if (r.state === 'SUPPORT_REVIEW' || (r.state === 'AWAITING_BUYER' && r.reviewer === 'SUPPORT')) {
    if (!staff) fail('refund.not_reviewer');
    return 'support';
  }
  if (!owner) fail('refund.not_reviewer');
  return 'merchant';
}

const checkVersion = (r: Row<'refund_requests'>, version: number) => {
  if (r.version !== version) fail('request.conflict', { field: 'version' });
};

/** Rejection reasons the order's own records contradict (spec: allowed, but warned). */
async function contradictions(trx: Db, r: Row<'refund_requests'>, code: RejectCode) {
  const { order, result, facts } = await assessRequest(trx, r);
  const policy = await trx
    .selectFrom('refund_policies')
    .select(['non_refundable'])
    .where('id', '=', order.policy_id!)
    .executeTakeFirstOrThrow();
  const warnings: Warning[] = [];
  // The buyer can only have activated a key it had seen: activated after its first reveal.
  const byBuyer = (k: NonNullable<(typeof facts)[number]['key']>) =>
    k.activatedAt !== null &&
    !k.activatedBeforeDelivery &&
    k.firstRevealedAt !== null &&
    Date.parse(k.firstRevealedAt) <= Date.parse(k.activatedAt);
  if (code === 'ACTIVATED' && !facts.some((f) => f.key?.state === 'ACTIVATED'))
    warnings.push({
      code: 'NOT_ACTIVATED',
      zh: '记录显示卡密未被激活',
      en: 'The records show no key was activated',
    });
  else if (code === 'ACTIVATED' && !facts.some((f) => f.key !== null && byBuyer(f.key)))
    warnings.push({
      code: 'NOT_BUYER_ACTIVATION',
      zh: '记录显示卡密在交付前或拆封前已被激活，激活不可能来自买家',
      en: 'The records show the key was activated before delivery or while still sealed: not by the buyer',
    });
  if (code === 'LATE' && !result.units.some((u) => u.codes.some((c) => c.endsWith('EXPIRED'))))
    warnings.push({
      code: 'IN_TIME',
      zh: '记录显示申请在期限内提出',
      en: 'The records show the request was made in time',
    });
  if (code === 'NON_REFUNDABLE_DISCLOSED' && policy.non_refundable !== 1)
    warnings.push({
      code: 'NOT_DISCLOSED',
      zh: '该订单的退款政策并未写明不退不换',
      en: 'The order’s refund policy does not say non-refundable',
    });
  if (code !== 'ACTIVATED' && code !== 'LATE' && result.summary.autoApprovable)
    warnings.push({
      code: 'RECORDS_SAY_ELIGIBLE',
      zh: '按订单的退款政策与记录，该申请符合退款条件',
      en: 'By the order’s refund policy and records this request is eligible',
    });
  return warnings;
}

type Warning = { code: string; zh: string; en: string };

/** A decision the records speak against: refused until the reviewer confirms it (acknowledgeWarnings). */
function refuseUnconfirmed(warnings: Warning[]): never {
  fail('refund.decision_contradicts_records', {
    params: {
      warnings: { zh: warnings.map((w) => w.zh).join('；'), en: warnings.map((w) => w.en).join('; ') },
    },
    data: { warnings },
  });
}

export async function decide(
  ctx: AfterSalesContext,
  actor: UserActor,
  requestId: string,
  input: DecisionInput,
): Promise<void> {
  await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const r = await lockRequest(trx, ctx, requestId);
    const by = reviewerRole(actor, r);
    checkVersion(r, input.version);
    if (r.state !== 'PENDING_REVIEW' && r.state !== 'SUPPORT_REVIEW')
      fail('refund.transition_not_allowed', { params: { from: r.state, to: input.action } });
    const rules = await getPlatformRules(trx);
    if (by === 'support')
      await resolveAlerts(trx, r.id, ['REVIEW_OVERDUE'], { by: actor.id, what: input.action, at });
    switch (input.action) {
      case 'APPROVE': {
        if (r.large === 1 && !input.confirmLarge)
          fail('refund.confirmation_required', {
            params: { amount: fenToYuan(r.amount_fen) },
            data: { amountFen: r.amount_fen, thresholdFen: rules.largeRefundFen },
          });
        // The records may have changed since the buyer applied: a key activated (or an entitlement
        // used) meanwhile cannot be voided or returned — the reviewer must know before paying.
        const { facts } = await assessRequest(trx, r);
        const used = facts.filter((f) => f.key?.state === 'ACTIVATED' || f.key?.partiallyUsed);
        if (used.length > 0 && !input.acknowledgeWarnings)
          refuseUnconfirmed([
            {
              code: 'USED_SINCE_APPLIED',
              zh: `${used.length} 件卡密在申请后已被激活或使用，退款后卡密不会作废`,
              en: `${used.length} key(s) were activated or used after the request; they stay usable after the refund`,
            },
          ]);
        await approveAndPay(trx, ctx, {
          request: r,
          by,
          actor,
          at,
          code: 'APPROVED',
          note: input.note ?? null,
        });
        return;
      }
      case 'REJECT': {
        if (input.code === 'OTHER' && !input.note) fail('refund.note_required', { field: 'note' });
        const warnings = await contradictions(trx, r, input.code);
        if (warnings.length > 0 && !input.acknowledgeWarnings) refuseUnconfirmed(warnings);
        await cancelPhase(trx, r.id, r.version);
        // A channel order's buyer cannot escalate here: the refusal goes back to the channel, where
        // the buyer may ask the channel's staff to intervene (spec §11); no escalation deadline.
        const channel = isChannelRequest(r);
        const due = escalationDue(rules, at);
        const { version: v } = await requestMachine.transition(trx, {
          row: r,
          to: 'REJECTED',
          by,
          actor,
          at,
          set: {
            decision_code: input.code,
            decision_note: input.note ?? null,
            decided_by: actor.id,
            decided_role: actor.role,
            decided_at: now(at),
            decision_warnings: warnings.length ? toJson(warnings) : null,
            escalation_due_at: channel ? null : now(due.dueAt),
          },
          data: { code: input.code, warnings: warnings.map((w) => w.code) },
        });
        if (channel) {
          await ctx.afterSales.channelAnswer(trx, { actor, at }, r, {
            agree: false,
            message: [REJECT_CODES[input.code].zh, input.note].filter(Boolean).join('：'),
          });
          return;
        }
        await schedulePhase(trx, 'REFUND_ESCALATION', r.id, v, due.dueAt, at);
        await notify(
          trx,
          [r.buyer_id],
          {
            kind: 'REFUND_DECISION',
            titleZh: '售后申请被拒绝',
            titleEn: 'Refund rejected',
            bodyZh: `售后申请 ${r.request_no} 被拒绝（${REJECT_CODES[input.code].zh}）。您可以补充新证据重新提交、接受结果，或申请平台仲裁。`,
            bodyEn: `Refund request ${r.request_no} was rejected (${REJECT_CODES[input.code].en}). You can resubmit with new evidence, accept, or escalate to the platform.`,
            link: `/refunds/${r.id}`,
            object: { type: 'refund_request', id: r.id },
          },
          at,
        );
        return;
      }
      case 'REQUEST_INFO': {
        // The channel buyer has no Kameng account to answer from: material is asked for on the channel.
        if (isChannelRequest(r)) fail('refund.channel_no_supplement');
        await cancelPhase(trx, r.id, r.version);
        const due = await workingDaysFrom(trx, at, rules.supplementWorkingDays);
        const { version: v } = await requestMachine.transition(trx, {
          row: r,
          to: 'AWAITING_BUYER',
          by,
          actor,
          at,
          set: { info_request: input.note, supplement_due_at: now(due.dueAt) },
        });
        await schedulePhase(trx, 'REFUND_SUPPLEMENT', r.id, v, due.dueAt, at);
        await notify(
          trx,
          [r.buyer_id],
          {
            kind: 'REFUND_INFO_REQUESTED',
            titleZh: '请补充售后材料',
            titleEn: 'More material needed',
            bodyZh: `售后申请 ${r.request_no} 需要补充材料：${input.note}`,
            bodyEn: `Refund request ${r.request_no} needs more material: ${input.note}`,
            link: `/refunds/${r.id}`,
            object: { type: 'refund_request', id: r.id },
          },
          at,
        );
        return;
      }
    }
  });
}

/**
 * Someone answers a request: its buyer (supplement, resubmit, cancel, accept, escalate, take an
 * abnormal payout to the balance), or support taking an abnormal payout to the buyer's balance.
 */
export async function actOnRequest(
  ctx: AfterSalesContext,
  actor: UserActor,
  requestId: string,
  input: BuyerAction,
): Promise<void> {
  if (actor.role === 'buyer') return buyerAct(ctx, actor, requestId, input);
  const staff = actor.role === 'support' || actor.role === 'admin';
  if (staff && input.action === 'CHOOSE_BALANCE') return rerouteToBalance(ctx, actor, requestId);
  fail('auth.forbidden');
}
