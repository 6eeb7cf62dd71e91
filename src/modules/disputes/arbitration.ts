/**
 * The arbitration phase (spec §9): it begins when both parties have submitted or when the
 * evidence deadline passes — a party that missed it is recorded, and the case goes on. The
 * decision is due within the platform's 3–5 working days (the calendar), shown to both parties
 * with its exact time; support is alerted a day before it is missed, and again when it is.
 */
import { systemActor, type Actor } from '../../platform/actor.js';
import { raiseAlert } from '../../platform/alerts.js';
import { shanghaiDate } from '../../platform/calendar.js';
import { loadCalendar } from '../../platform/calendar-store.js';
import { now, toJson, type Db, type Engine } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { cancelDeadline, scheduleDeadline } from '../../platform/deadlines.js';
import { getPlatformRules } from '../../platform/settings.js';
import type { DeadlineHandler, DeadlineHandlers } from '../../platform/sweeper.js';
import { merchantUsers, notify, supportUsers } from '../notifications/index.js';
import { disputeMachine, lockDispute } from './lifecycle.js';
import { shanghaiTime } from './text.js';

const DAY_MS = 24 * 3_600_000;
const SWEEPER = systemActor('sweeper');

/** Moves a dispute from evidence to arbitration, recording who missed the evidence deadline. */
export async function startArbitration(
  trx: Db,
  c: { actor: Actor; at: Date },
  d: Row<'disputes'>,
): Promise<Row<'disputes'>> {
  const { at } = c;
  const submitted = new Set(
    (
      await trx
        .selectFrom('dispute_statements')
        .select('party')
        .where('dispute_id', '=', d.id)
        .where('state', '=', 'SUBMITTED')
        .execute()
    ).map((s) => s.party),
  );
  const rules = await getPlatformRules(trx);
  const calendar = await loadCalendar(trx);
  const due = calendar.addWorkingDays(at, rules.arbitrationWorkingDays);
  const warnings = [
    ...(d.deadline_warnings ? (JSON.parse(d.deadline_warnings) as unknown[]) : []),
    ...due.warnings,
  ];
  const moved = await disputeMachine.transition(trx, {
    row: d,
    to: 'ARBITRATION',
    by: 'system',
    actor: c.actor,
    at,
    set: {
      buyer_missed_evidence: submitted.has('BUYER') ? 0 : 1,
      merchant_missed_evidence: submitted.has('MERCHANT') ? 0 : 1,
      decision_due_at: now(due.dueAt),
      deadline_warnings: warnings.length ? toJson(warnings) : null,
    },
    data: {
      missed: ['BUYER', 'MERCHANT'].filter((p) => !submitted.has(p as 'BUYER')),
      decisionDueAt: now(due.dueAt),
    },
  });
  await cancelDeadline(trx, 'DISPUTE_EVIDENCE', d.id);
  await cancelDeadline(trx, 'DISPUTE_EVIDENCE_REMINDER', d.id);
  // Support is alerted one working day ahead: a Monday 10:00 deadline on the Friday before.
  let remind = due.dueAt.getTime() - DAY_MS;
  while (remind > at.getTime() && !calendar.isWorkingDay(shanghaiDate(new Date(remind)))) remind -= DAY_MS;
  const remindAt = new Date(Math.max(at.getTime(), remind));
  await scheduleDeadline(trx, { kind: 'DISPUTE_DECISION_REMINDER', objectId: d.id, dueAt: remindAt, at });
  await scheduleDeadline(trx, { kind: 'DISPUTE_DECISION', objectId: d.id, dueAt: due.dueAt, at });
  const when = shanghaiTime(due.dueAt);
  await notify(
    trx,
    [d.buyer_id, ...(await merchantUsers(trx, d.merchant_id))],
    {
      kind: 'DISPUTE_UPDATE',
      titleZh: '仲裁进入裁决阶段',
      titleEn: 'Arbitration has begun',
      bodyZh: `仲裁案件 ${d.dispute_no} 举证结束，仲裁员将在 ${when.zh} 前作出裁决。`,
      bodyEn: `Dispute ${d.dispute_no}: the evidence is closed; the arbitrator will decide by ${when.en}.`,
      link: `/disputes/${d.id}`,
      object: { type: 'dispute', id: d.id },
    },
    at,
  );
  return moved;
}

async function fireDisputeDeadline(trx: Db, engine: Engine, d: Row<'deadlines'>, at: Date): Promise<void> {
  const exists = await trx
    .selectFrom('disputes')
    .select('id')
    .where('id', '=', d.object_id)
    .executeTakeFirst();
  if (!exists) return;
  const dispute = await lockDispute(trx, engine, d.object_id);
  switch (d.kind) {
    case 'DISPUTE_EVIDENCE':
      if (dispute.state === 'EVIDENCE') await startArbitration(trx, { actor: SWEEPER, at }, dispute);
      return;
    case 'DISPUTE_EVIDENCE_REMINDER': {
      if (dispute.state !== 'EVIDENCE') return;
      const submitted = new Set(
        (
          await trx
            .selectFrom('dispute_statements')
            .select('party')
            .where('dispute_id', '=', dispute.id)
            .where('state', '=', 'SUBMITTED')
            .execute()
        ).map((s) => s.party),
      );
      const who = [
        ...(submitted.has('BUYER') ? [] : [dispute.buyer_id]),
        ...(submitted.has('MERCHANT') ? [] : await merchantUsers(trx, dispute.merchant_id)),
      ];
      const when = shanghaiTime(new Date(dispute.evidence_due_at));
      await notify(
        trx,
        who,
        {
          kind: 'DEADLINE_APPROACHING',
          titleZh: '仲裁举证期限将至',
          titleEn: 'Evidence deadline approaching',
          bodyZh: `仲裁案件 ${dispute.dispute_no}：请在 ${when.zh} 前提交您的陈述与证据；逾期视为未举证，仲裁照常进行。`,
          bodyEn: `Dispute ${dispute.dispute_no}: submit your statement and evidence by ${when.en}; after that the case goes on without it.`,
          link: `/disputes/${dispute.id}`,
          object: { type: 'dispute', id: dispute.id },
        },
        at,
      );
      return;
    }
    case 'DISPUTE_DECISION_REMINDER':
    case 'DISPUTE_DECISION': {
      if (dispute.state !== 'ARBITRATION') return;
      const overdue = d.kind === 'DISPUTE_DECISION';
      const fresh = await raiseAlert(
        trx,
        overdue ? 'DISPUTE_DECISION_OVERDUE' : 'DISPUTE_DECISION_DUE',
        { type: 'dispute', id: dispute.id },
        dispute.request_id,
        { disputeNo: dispute.dispute_no, decisionDueAt: dispute.decision_due_at },
        at,
      );
      if (!fresh) return;
      const when = shanghaiTime(new Date(dispute.decision_due_at ?? at));
      await notify(
        trx,
        await supportUsers(trx),
        {
          kind: 'SUPPORT_QUEUE',
          titleZh: overdue ? '仲裁裁决已逾期' : '仲裁裁决即将到期',
          titleEn: overdue ? 'Arbitration decision overdue' : 'Arbitration decision due soon',
          bodyZh: `仲裁案件 ${dispute.dispute_no} 的裁决期限为 ${when.zh}${overdue ? '，已逾期' : ''}。`,
          bodyEn: `Dispute ${dispute.dispute_no} must be decided by ${when.en}${overdue ? ' — it is overdue' : ''}.`,
          link: `/arbitration/${dispute.id}`,
          object: { type: 'dispute', id: dispute.id },
        },
        at,
      );
      return;
    }
    default:
      return;
  }
}

/** The dispute deadlines, for the sweeper (wired in app.ts). */
export function disputeDeadlines(ctx: { engine: Engine }): DeadlineHandlers {
  const handler: DeadlineHandler = {
    fire: (trx, d, at) => fireDisputeDeadline(trx, ctx.engine, d, at),
    requestOf: () => null,
  };
  return {
    DISPUTE_EVIDENCE: handler,
    DISPUTE_EVIDENCE_REMINDER: handler,
    DISPUTE_DECISION_REMINDER: handler,
    DISPUTE_DECISION: handler,
  };
}
