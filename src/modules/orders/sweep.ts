/**
 * One sweep: fire due deadlines (order expiry, settlement, membership expiry), send payouts still
 * waiting for their gateway, reconcile payouts whose notification is overdue, and let the sandbox
 * gateways do their own time-based work. The server runs it every few seconds; tests and the CLI
 * call it directly. Each deadline fires in its own transaction, exactly once across instances.
 */
import { withDeferredAudit } from '../audit/index.js';
import { systemActor } from '../../platform/actor.js';
import { claimDeadline, completeDeadline, dueDeadlines, postponeDeadline } from '../../platform/deadlines.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError } from '../../platform/errors.js';
import { raiseAlert } from '../../platform/alerts.js';
import { expireMembership, startQueuedMembership } from '../membership/offers.js';
import { reconcileProcessingPayouts, submitPendingPayouts } from '../payments/payouts.js';
import type { PaymentsContext } from '../payments/registry.js';
import { settleOrder } from '../payments/settlement.js';
import { expireOrder } from './expiry.js';
import { fireRequestDeadline, REQUEST_DEADLINES } from '../aftersales/sweep.js';
import { submitPayoutsOf } from '../aftersales/payout.js';

export interface SweepReport {
  fired: number;
  postponed: number;
  payoutsSent: number;
}

const RETRY_MS = 60_000;
/** Failed attempts after which a deadline raises a support alert (it keeps being retried). */
const FAILING_AFTER = 5;

async function fire(ctx: PaymentsContext, d: Row<'deadlines'>): Promise<boolean> {
  const at = ctx.clock.now();
  const c = { actor: systemActor('sweeper'), at, engine: ctx.engine };
  switch (d.kind) {
    case 'ORDER_EXPIRY':
      await expireOrder(ctx, d);
      return true;
    case 'SETTLEMENT':
    case 'MEMBERSHIP_EXPIRY':
    case 'MEMBERSHIP_START':
      return withDeferredAudit(ctx.db, async (trx) => {
        const claimed = await claimDeadline(trx, ctx.engine, d.id);
        if (!claimed) return false; // another instance has it, or it already fired
        if (d.kind === 'SETTLEMENT') await settleOrder(trx, c, claimed);
        else if (d.kind === 'MEMBERSHIP_START') await startQueuedMembership(trx, c, claimed);
        else await expireMembership(trx, c, claimed);
        return true;
      });
    default: {
      if (!(REQUEST_DEADLINES as readonly string[]).includes(d.kind))
        throw new Error(`no handler for deadline kind ${d.kind}`);
      const paid = await withDeferredAudit(ctx.db, async (trx) => {
        const claimed = await claimDeadline(trx, ctx.engine, d.id);
        if (!claimed) return null;
        // Marked done first: the handler cancels its phase's other open deadlines.
        await completeDeadline(trx, claimed.id, at);
        return fireRequestDeadline(trx, ctx, claimed, at);
      });
      if (paid) await submitPayoutsOf(ctx, paid);
      return paid !== null;
    }
  }
}

export async function sweep(
  ctx: PaymentsContext & { sandbox?: { tick(at: Date): Promise<unknown> } | undefined },
  options: {
    limit?: number;
    onError?: (error: unknown, deadline: Row<'deadlines'>) => void;
    onPayoutError?: (error: unknown, payoutId: string) => void;
  } = {},
): Promise<SweepReport> {
  const report: SweepReport = { fired: 0, postponed: 0, payoutsSent: 0 };
  const due = await dueDeadlines(ctx.db, ctx.clock.now(), options.limit ?? 200);
  for (const d of due) {
    try {
      if (await fire(ctx, d)) report.fired++;
    } catch (error) {
      // A lost race (another instance fired it) is not an error; anything else is retried later.
      if (error instanceof DomainError && error.code === 'request.conflict') continue;
      options.onError?.(error, d);
      const message = error instanceof Error ? error.message : String(error);
      await postponeDeadline(
        ctx.db,
        d.id,
        new Date(ctx.clock.now().getTime() + RETRY_MS),
        message.slice(0, 300),
      );
      // Retried every minute; after a few failures a person is told (the request may be stuck).
      if (d.attempts + 1 === FAILING_AFTER)
        await raiseAlert(
          ctx.db,
          'DEADLINE_FAILING',
          { type: 'deadline', id: d.id },
          (REQUEST_DEADLINES as readonly string[]).includes(d.kind) ? d.object_id.split(':')[0] : null,
          { kind: d.kind, objectId: d.object_id, error: message.slice(0, 300) },
          ctx.clock.now(),
        );
      report.postponed++;
    }
  }
  const payoutError = (error: unknown, payoutId: string) => options.onPayoutError?.(error, payoutId);
  report.payoutsSent = await submitPendingPayouts(ctx, 50, payoutError);
  await reconcileProcessingPayouts(ctx, new Date(ctx.clock.now().getTime() - 10 * 60_000), 50, payoutError);
  if (ctx.sandbox) await ctx.sandbox.tick(ctx.clock.now());
  return report;
}
