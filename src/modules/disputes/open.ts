/**
 * Opening a dispute (spec §9): the buyer escalated a rejected request before its escalation
 * deadline (the request machine's guard), and in that same transaction the dispute is made — its
 * units and claim copied from the request, each party's evidence deadline counted in China working
 * days — and both parties are told the exact time.
 */
import type { UserActor } from '../../platform/actor.js';
import { loadCalendar } from '../../platform/calendar-store.js';
import { now, toJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { scheduleDeadline } from '../../platform/deadlines.js';
import { newNumber, newOrderedId } from '../../platform/ids.js';
import { getPlatformRules } from '../../platform/settings.js';
import { appendAudit } from '../../platform/unit-of-work.js';
import { merchantUsers, notify } from '../notifications/index.js';
import { shanghaiTime } from './text.js';

export async function openDispute(
  trx: Db,
  c: { actor: UserActor; at: Date },
  request: Row<'refund_requests'>,
  note: string | null,
): Promise<Row<'disputes'>> {
  const { at } = c;
  const rules = await getPlatformRules(trx);
  const due = (await loadCalendar(trx)).addWorkingDays(at, rules.disputeEvidenceWorkingDays);
  const units = await trx
    .selectFrom('refund_request_units')
    .select(['unit_id', 'amount_fen'])
    .where('request_id', '=', request.id)
    .where('released_at', 'is', null)
    .execute();
  const d = await trx
    .insertInto('disputes')
    .values({
      id: newOrderedId(at.getTime()),
      dispute_no: newNumber('DP', at),
      request_id: request.id,
      order_id: request.order_id,
      buyer_id: request.buyer_id,
      merchant_id: request.merchant_id,
      opened_by: 'BUYER',
      state: 'EVIDENCE',
      claim_fen: request.amount_fen,
      evidence_due_at: now(due.dueAt),
      decision_due_at: null,
      deadline_warnings: due.warnings.length ? toJson(due.warnings) : null,
      buyer_missed_evidence: 0,
      merchant_missed_evidence: 0,
      outcome: null,
      rationale: null,
      refund_fen: null,
      decided_by: null,
      decided_at: null,
      findings_at_decision: null,
      version: 1,
      created_at: now(at),
      updated_at: now(at),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (units.length > 0)
    await trx
      .insertInto('dispute_units')
      .values(
        units.map((u) => ({ dispute_id: d.id, unit_id: u.unit_id, amount_fen: u.amount_fen, outcome: null })),
      )
      .execute();
  // The buyer's escalation note starts its draft statement; the merchant's is made when it first writes.
  await trx
    .insertInto('dispute_statements')
    .values({
      id: newOrderedId(at.getTime()),
      dispute_id: d.id,
      party: 'BUYER',
      author_id: request.buyer_id,
      text: note ?? '',
      files: toJson([]),
      state: 'DRAFT',
      submitted_at: null,
      version: 1,
      created_at: now(at),
      updated_at: now(at),
    })
    .execute();
  await appendAudit(trx, {
    actor: c.actor,
    at,
    action: 'dispute.opened',
    objectType: 'dispute',
    objectId: d.id,
    data: {
      requestId: request.id,
      claimFen: d.claim_fen,
      evidenceDueAt: d.evidence_due_at,
      units: units.length,
    },
  });
  await scheduleDeadline(trx, { kind: 'DISPUTE_EVIDENCE', objectId: d.id, dueAt: due.dueAt, at });
  const when = shanghaiTime(due.dueAt);
  const text = {
    titleZh: '平台仲裁已受理',
    titleEn: 'Arbitration opened',
    link: `/disputes/${d.id}`,
    object: { type: 'dispute', id: d.id },
  };
  await notify(
    trx,
    [request.buyer_id],
    {
      ...text,
      kind: 'DISPUTE_UPDATE',
      bodyZh: `仲裁案件 ${d.dispute_no} 已受理。请在 ${when.zh} 前提交您的陈述与证据，提交后不能修改。`,
      bodyEn: `Dispute ${d.dispute_no} is open. Submit your statement and evidence by ${when.en}; once submitted it cannot change.`,
    },
    at,
  );
  await notify(
    trx,
    await merchantUsers(trx, request.merchant_id),
    {
      ...text,
      kind: 'DISPUTE_UPDATE',
      bodyZh: `买家就售后申请 ${request.request_no} 申请了平台仲裁（${d.dispute_no}）。请在 ${when.zh} 前提交您的陈述与证据；逾期未提交不影响仲裁进行。`,
      bodyEn: `The buyer took refund request ${request.request_no} to arbitration (${d.dispute_no}). Submit your statement and evidence by ${when.en}; arbitration goes on without it after that.`,
    },
    at,
  );
  return d;
}
