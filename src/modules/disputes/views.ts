/**
 * What each side sees of a dispute. A party: the case, its deadlines with their exact times, its
 * own statement (draft or submitted) and the other party's once submitted, the decision with its
 * rationale and the findings it rested on. Platform staff (arbitrator, support, admin): the whole
 * case file — the request's records (order and policy snapshots, key timelines, payments and
 * payouts, the conversation, the request's history with its contradicted rejections), both
 * statements beside them, and the findings computed from the records now.
 */
import { z } from 'zod';
import type { UserActor } from '../../platform/actor.js';
import { fromJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { requestDetail, requestDetailSchema, type Finding } from '../aftersales/index.js';
import { disputeFindings, isStaff, mayArbitrate } from './decide.js';
import { partyOf, type StoredFile } from './statements.js';

const findingSchema = z.object({
  code: z.string(),
  favours: z.enum(['BUYER', 'MERCHANT', 'NEUTRAL']),
  merchantFault: z.boolean(),
  unitIds: z.array(z.string()),
  zh: z.string(),
  en: z.string(),
  sources: z.array(z.string()),
});

const statementSchema = z.object({
  party: z.enum(['BUYER', 'MERCHANT']),
  state: z.enum(['DRAFT', 'SUBMITTED']),
  text: z.string(),
  files: z.array(
    z.object({ sha256: z.string(), name: z.string(), mime: z.string(), size: z.number().int() }),
  ),
  submittedAt: z.string().nullable(),
  updatedAt: z.string(),
  version: z.number().int(),
});

export const disputeSummarySchema = z
  .object({
    id: z.string(),
    disputeNo: z.string(),
    requestId: z.string(),
    requestNo: z.string(),
    orderId: z.string(),
    merchantId: z.string().nullable(),
    openedBy: z.enum(['BUYER', 'MERCHANT']),
    state: z.enum(['EVIDENCE', 'ARBITRATION', 'DECIDED']),
    claimFen: z.number().int(),
    refundFen: z.number().int().nullable(),
    evidenceDueAt: z.string(),
    decisionDueAt: z.string().nullable(),
    outcome: z.enum(['BUYER', 'MERCHANT', 'SPLIT']).nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'DisputeSummary' });

export const disputeDetailSchema = disputeSummarySchema
  .extend({
    viewer: z.enum(['BUYER', 'MERCHANT', 'STAFF']),
    rationale: z.string().nullable(),
    buyerMissedEvidence: z.boolean(),
    merchantMissedEvidence: z.boolean(),
    deadlineWarnings: z.array(z.unknown()),
    units: z.array(
      z.object({
        unitId: z.string(),
        amountFen: z.number().int(),
        outcome: z.enum(['REFUND', 'NO_REFUND']).nullable(),
      }),
    ),
    statements: z.array(statementSchema),
    /** Staff: computed from the records now; parties: those the decision rested on (after it). */
    findings: z.array(findingSchema),
    request: requestDetailSchema,
    actions: z
      .array(z.enum(['SAVE_STATEMENT', 'SUBMIT_STATEMENT', 'DECIDE']))
      .describe('What the viewer may do now'),
  })
  .meta({ id: 'Dispute' });

export type DisputeSummary = z.infer<typeof disputeSummarySchema>;
export type DisputeDetail = z.infer<typeof disputeDetailSchema>;

type SummaryRow = Row<'disputes'> & { request_no: string };

const toSummary = (d: SummaryRow): DisputeSummary => ({
  id: d.id,
  disputeNo: d.dispute_no,
  requestId: d.request_id,
  requestNo: d.request_no,
  orderId: d.order_id,
  merchantId: d.merchant_id,
  openedBy: d.opened_by,
  state: d.state,
  claimFen: Number(d.claim_fen),
  refundFen: d.refund_fen === null ? null : Number(d.refund_fen),
  evidenceDueAt: d.evidence_due_at,
  decisionDueAt: d.decision_due_at,
  outcome: d.outcome,
  createdAt: d.created_at,
  decidedAt: d.decided_at,
  version: d.version,
});

const withRequestNo = (db: Db) =>
  db
    .selectFrom('disputes')
    .innerJoin('refund_requests', 'refund_requests.id', 'disputes.request_id')
    .selectAll('disputes')
    .select('refund_requests.request_no');

export const disputeFilterSchema = z.strictObject({
  /** open: still collecting evidence or awaiting the decision; decided; all (default). */
  queue: z.enum(['open', 'decided', 'all']).default('all'),
  requestId: z.string().max(64).optional(),
});

/**
 * A viewer's disputes. Staff get the arbitration queue: open cases by their next deadline (the
 * decision's, else the evidence's), decided ones newest first.
 */
export async function listDisputes(
  ctx: { db: Db },
  actor: UserActor,
  filter: z.infer<typeof disputeFilterSchema>,
): Promise<DisputeSummary[]> {
  let q = withRequestNo(ctx.db);
  if (!isStaff(actor)) {
    if (actor.role === 'merchant' && actor.merchantId)
      q = q.where('disputes.merchant_id', '=', actor.merchantId);
    else q = q.where('disputes.buyer_id', '=', actor.id);
  }
  if (filter.requestId) q = q.where('disputes.request_id', '=', filter.requestId);
  // Every open case (the queue: sorted by its next deadline), then the latest 500 decided ones.
  const [open, decided] = await Promise.all([
    filter.queue === 'decided'
      ? []
      : q.where('disputes.state', '<>', 'DECIDED').orderBy('disputes.created_at').limit(5000).execute(),
    filter.queue === 'open'
      ? []
      : q.where('disputes.state', '=', 'DECIDED').orderBy('disputes.decided_at', 'desc').limit(500).execute(),
  ]);
  const next = (d: SummaryRow) => Date.parse(d.decision_due_at ?? d.evidence_due_at);
  return [...open.sort((a, b) => next(a) - next(b)), ...decided].map(toSummary);
}

export async function disputeDetail(
  ctx: { db: Db; clock: { now(): Date } },
  actor: UserActor,
  id: string,
): Promise<DisputeDetail> {
  const d = await withRequestNo(ctx.db).where('disputes.id', '=', id).executeTakeFirst();
  if (!d) fail('dispute.not_found');
  const party = partyOf(actor, d);
  const staff = isStaff(actor);
  if (!party && !staff) fail('dispute.not_found');
  const at = ctx.clock.now();
  const [units, statements, request] = await Promise.all([
    ctx.db
      .selectFrom('dispute_units')
      .selectAll()
      .where('dispute_id', '=', d.id)
      .orderBy('unit_id')
      .execute(),
    ctx.db
      .selectFrom('dispute_statements')
      .selectAll()
      .where('dispute_id', '=', d.id)
      .orderBy('party')
      .execute(),
    requestDetail(ctx, actor, d.request_id),
  ]);
  // A party reads its own draft; everyone else sees a statement only once it is submitted.
  const visible = statements.filter((s) => s.state === 'SUBMITTED' || s.party === party);
  const findings: Finding[] =
    d.state === 'DECIDED'
      ? fromJson<Finding[]>(d.findings_at_decision ?? '[]')
      : staff
        ? await disputeFindings(ctx.db, d)
        : [];
  const mine = statements.find((s) => s.party === party);
  const evidenceOpen = d.state === 'EVIDENCE' && at.getTime() < Date.parse(d.evidence_due_at);
  const actions: DisputeDetail['actions'] = [];
  if (party && evidenceOpen && mine?.state !== 'SUBMITTED') {
    actions.push('SAVE_STATEMENT');
    if (mine) actions.push('SUBMIT_STATEMENT');
  }
  if (!party && mayArbitrate(actor) && d.state === 'ARBITRATION') actions.push('DECIDE');
  return {
    ...toSummary(d),
    viewer: party ?? 'STAFF',
    rationale: d.rationale,
    buyerMissedEvidence: d.buyer_missed_evidence === 1,
    merchantMissedEvidence: d.merchant_missed_evidence === 1,
    deadlineWarnings: d.deadline_warnings ? fromJson<unknown[]>(d.deadline_warnings) : [],
    units: units.map((u) => ({ unitId: u.unit_id, amountFen: Number(u.amount_fen), outcome: u.outcome })),
    statements: visible.map((s) => ({
      party: s.party,
      state: s.state,
      text: s.text,
      files: fromJson<StoredFile[]>(s.files),
      submittedAt: s.submitted_at,
      updatedAt: s.updated_at,
      version: s.version,
    })),
    findings,
    request,
    actions,
  };
}
