/**
 * The buyer's answers to a request (spec §7): supply what was asked, resubmit after a rejection
 * with new evidence (a limited number of times, counted across requests for the same units),
 * cancel, accept the rejection, escalate it to the platform, or take an abnormal payout to the
 * platform balance. Each is a named step below; all run in one unit of work with the request
 * locked (buyer first) and its version checked.
 */
import { z } from 'zod';
import { versionSchema } from '../../platform/http/schemas.js';
import type { UserActor } from '../../platform/actor.js';
import { now, toJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { getPlatformRules, type PlatformRules } from '../../platform/settings.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { merchantUsers, notify, supportUsers } from '../notifications/index.js';
import { cancelPhase, reviewDue, schedulePhase, workingDaysFrom } from './deadlines.js';
import { REFUND_REASONS, type RefundReason } from './eligibility.js';
import { assessRequest } from './facts.js';
import { lockRequest, requestMachine } from './lifecycle.js';
import { rerouteToBalance } from './payout.js';
import {
  earlierSubmissions,
  fileRefSchema,
  insertFileEvidence,
  inspectStored,
  type AfterSalesContext,
} from './requests.js';
import { attachSystemEvidence } from './system-evidence.js';

export const buyerActionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('SUPPLEMENT'),
    version: versionSchema,
    note: z.string().trim().min(1).max(1000),
    files: z.array(fileRefSchema).max(9).default([]),
  }),
  z.strictObject({
    action: z.literal('RESUBMIT'),
    version: versionSchema,
    description: z.string().trim().min(1).max(1000),
    files: z.array(fileRefSchema).min(1).max(9),
  }),
  z.strictObject({ action: z.literal('CANCEL'), version: versionSchema }),
  z.strictObject({ action: z.literal('ACCEPT'), version: versionSchema }),
  z.strictObject({
    action: z.literal('ESCALATE'),
    version: versionSchema,
    note: z.string().trim().max(1000).optional(),
  }),
  z.strictObject({ action: z.literal('CHOOSE_BALANCE'), version: versionSchema }),
]);
export type BuyerAction = z.infer<typeof buyerActionSchema>;

type Files = Awaited<ReturnType<typeof inspectStored>>;

/** What every answer works with: the locked request, the buyer, its files, the rules, the time. */
interface Answer {
  trx: Db;
  ctx: AfterSalesContext;
  buyer: UserActor;
  r: Row<'refund_requests'>;
  files: Files;
  rules: PlatformRules;
  at: Date;
}

/** The request's reviewers (the merchant's people, or support when support reviews) are told. */
async function tellReviewers(
  a: Answer,
  text: { zh: [string, string]; en: [string, string] },
  kind: 'REFUND_SUPPLEMENTED' | 'REFUND_ESCALATED' = 'REFUND_SUPPLEMENTED',
): Promise<void> {
  const reviewers =
    a.r.reviewer === 'SUPPORT' ? await supportUsers(a.trx) : await merchantUsers(a.trx, a.r.merchant_id);
  await notify(
    a.trx,
    reviewers,
    {
      kind,
      titleZh: text.zh[0],
      titleEn: text.en[0],
      bodyZh: text.zh[1],
      bodyEn: text.en[1],
      link: `/merchant/refunds/${a.r.id}`,
      object: { type: 'refund_request', id: a.r.id },
    },
    a.at,
  );
}

/** The buyer's new files, recorded under `submission`. */
const recordFiles = (a: Answer, submission: number): Promise<void> =>
  insertFileEvidence(a.trx, {
    requestId: a.r.id,
    submission,
    source: 'BUYER',
    userId: a.buyer.id,
    files: a.files,
    at: a.at,
  });

/**
 * Back to whoever reviews (the merchant, or support when support asked or decided), with a fresh
 * deadline of theirs.
 */
async function backToReview(
  a: Answer,
  step: { set: Partial<Row<'refund_requests'>>; data: Record<string, unknown> },
): Promise<void> {
  const { trx, r, at } = a;
  const toSupport = r.reviewer === 'SUPPORT';
  const due = toSupport
    ? await workingDaysFrom(trx, at, a.rules.supportReviewWorkingDays)
    : await reviewDue(trx, a.rules, r.merchant_id, at);
  await cancelPhase(trx, r.id, r.version);
  const { version } = await requestMachine.transition(trx, {
    row: r,
    to: toSupport ? 'SUPPORT_REVIEW' : 'PENDING_REVIEW',
    by: 'buyer',
    actor: a.buyer,
    at,
    set: { ...step.set, review_due_at: now(due.dueAt) },
    data: step.data,
  });
  await schedulePhase(trx, toSupport ? 'REFUND_SUPPORT' : 'REFUND_REVIEW', r.id, version, due.dueAt, at);
}

/** 待补充材料: the buyer supplies what the reviewer asked for. */
async function supplement(a: Answer, input: Extract<BuyerAction, { action: 'SUPPLEMENT' }>): Promise<void> {
  const { r } = a;
  if (r.state !== 'AWAITING_BUYER')
    fail('refund.transition_not_allowed', { params: { from: r.state, to: 'PENDING_REVIEW' } });
  await recordFiles(a, r.submissions);
  await backToReview(a, {
    set: { description: `${r.description}\n\n【补充】${input.note}` },
    data: { note: input.note, files: a.files.map((f) => f.sha256) },
  });
  await tellReviewers(a, {
    zh: ['买家已补充材料', `售后申请 ${r.request_no} 已补充材料，请继续审核。`],
    en: ['The buyer supplied material', `Refund request ${r.request_no} has new material to review.`],
  });
}

/** After a rejection: a new submission with new evidence, judged again on today's records. */
async function resubmit(a: Answer, input: Extract<BuyerAction, { action: 'RESUBMIT' }>): Promise<void> {
  const { trx, r } = a;
  if (r.state !== 'REJECTED')
    fail('refund.transition_not_allowed', { params: { from: r.state, to: 'PENDING_REVIEW' } });
  const { order, unitIds, result } = await assessRequest(trx, r);
  // Counted across requests for the same units (an earlier one rejected and accepted too).
  if (r.submissions + (await earlierSubmissions(trx, unitIds, r.id)) > a.rules.maxResubmissions)
    fail('refund.resubmissions_exhausted', { params: { max: a.rules.maxResubmissions } });
  const submission = r.submissions + 1;
  await recordFiles(a, submission);
  await attachSystemEvidence(trx, { requestId: r.id, submission, order, unitIds, at: a.at });
  await backToReview(a, {
    set: {
      description: input.description,
      submissions: submission,
      eligibility: toJson(result),
      auto_approvable: result.summary.autoApprovable ? 1 : 0,
      escalation_due_at: null,
    },
    data: { submission },
  });
  await tellReviewers(a, {
    zh: ['买家重新提交了售后申请', `售后申请 ${r.request_no} 已重新提交（第 ${submission} 次），请审核。`],
    en: [
      'A refund request was resubmitted',
      `Refund request ${r.request_no} was resubmitted (submission ${submission}).`,
    ],
  });
}

/** The buyer leaves the phase: cancels, accepts the rejection (closed) or escalates it (disputed). */
async function leave(
  a: Answer,
  input: Extract<BuyerAction, { action: 'CANCEL' | 'ACCEPT' | 'ESCALATE' }>,
): Promise<void> {
  const { trx, r } = a;
  const to = input.action === 'CANCEL' ? 'CANCELLED' : input.action === 'ACCEPT' ? 'CLOSED' : 'DISPUTED';
  await cancelPhase(trx, r.id, r.version);
  const moved = await requestMachine.transition(trx, {
    row: r,
    to,
    by: 'buyer',
    actor: a.buyer,
    at: a.at,
    data: input.action === 'ESCALATE' ? { note: input.note ?? null } : { choice: input.action },
  });
  if (input.action === 'ESCALATE') {
    await a.ctx.afterSales.requestEscalated(trx, { actor: a.buyer, at: a.at }, moved, input.note ?? null);
    await tellReviewers(
      a,
      {
        zh: [
          '买家申请了平台仲裁',
          `售后申请 ${r.request_no}（${REFUND_REASONS[r.reason as RefundReason]?.zh ?? r.reason}）已提交平台仲裁。`,
        ],
        en: [
          'The buyer escalated to arbitration',
          `Refund request ${r.request_no} was escalated to platform arbitration.`,
        ],
      },
      'REFUND_ESCALATED',
    );
  }
}

export async function buyerAct(
  ctx: AfterSalesContext,
  buyer: UserActor,
  requestId: string,
  input: BuyerAction,
): Promise<void> {
  if (input.action === 'CHOOSE_BALANCE') {
    const r = await ctx.db
      .selectFrom('refund_requests')
      .select(['buyer_id', 'version'])
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (!r || r.buyer_id !== buyer.id) fail('refund.not_found');
    if (r.version !== input.version) fail('request.conflict', { field: 'version' });
    return rerouteToBalance(ctx, buyer, requestId);
  }
  // Files are read and checked again from the store before the transaction holds the database.
  const files = 'files' in input ? await inspectStored(ctx, buyer.id, input.files) : [];
  await unitOfWork(ctx, async (trx) => {
    const r = await lockRequest(trx, ctx, requestId);
    if (r.buyer_id !== buyer.id) fail('refund.not_found');
    if (r.version !== input.version) fail('request.conflict', { field: 'version' });
    const a: Answer = { trx, ctx, buyer, r, files, rules: await getPlatformRules(trx), at: ctx.clock.now() };
    switch (input.action) {
      case 'SUPPLEMENT':
        return supplement(a, input);
      case 'RESUBMIT':
        return resubmit(a, input);
      case 'CANCEL':
      case 'ACCEPT':
      case 'ESCALATE':
        return leave(a, input);
    }
  });
}
