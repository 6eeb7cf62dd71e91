/**
 * A membership period (spec §2): ACTIVE from purchase, until its term ends (EXPIRED) or it is
 * refunded unused (REFUNDED). Entering either end recomputes the member's stored level — the level
 * always follows the periods — and a refunded period's own deadlines will never fire.
 */
import { systemActor, type Actor } from '../../platform/actor.js';
import { cancelDeadline } from '../../platform/deadlines.js';
import { engineOf, lockUser, type Db, type Engine } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';
import type { DeadlineHandlers } from '../../platform/sweeper.js';
import { recomputeLevel, startQueuedMembership } from './offers.js';

export type MembershipState = Row<'memberships'>['state'];

/** `system`: the sweeper (expiry) and an approved after-sales refund. */
export const membershipTransitions: Transitions<MembershipState, 'system', 'termEnded'> = {
  ACTIVE: { EXPIRED: { by: ['system'], guard: 'termEnded' }, REFUNDED: { by: ['system'] } },
  EXPIRED: {},
  REFUNDED: {},
};

const levelFollows = async (e: { trx: Db; row: Row<'memberships'>; actor: Actor; at: Date }) =>
  recomputeLevel(e.trx, { actor: e.actor, at: e.at, engine: engineOf(e.trx) }, e.row.user_id);

export const membershipMachine = defineMachine({
  name: 'membership',
  table: 'memberships',
  column: 'state',
  initial: ['ACTIVE'],
  terminal: ['EXPIRED', 'REFUNDED'],
  transitions: membershipTransitions,
  notAllowed: 'refund.order_not_refundable',
  guards: {
    termEnded: {
      check: ({ row, at }) => row.ends_at !== undefined && Date.parse(row.ends_at) <= at.getTime(),
      error: 'request.conflict',
    },
  },
  onEnter: {
    EXPIRED: levelFollows,
    REFUNDED: async (e) => {
      await cancelDeadline(e.trx, 'MEMBERSHIP_EXPIRY', e.row.id);
      await cancelDeadline(e.trx, 'MEMBERSHIP_START', e.row.id);
      await levelFollows(e);
    },
  },
});

/** Sweeper: a membership period's term ended. */
export async function expireMembership(
  trx: Db,
  c: { actor: Actor; at: Date },
  deadline: Pick<Row<'deadlines'>, 'object_id'>,
): Promise<void> {
  const m = await trx
    .selectFrom('memberships')
    .selectAll()
    .where('id', '=', deadline.object_id)
    .executeTakeFirstOrThrow();
  if (m.state !== 'ACTIVE') return;
  // The member first (lock order, ADR 0004): a refund of this membership holds the member and
  // then updates the membership; so must expiry, or the two would wait for each other.
  await lockUser(trx, engineOf(trx), m.user_id);
  await membershipMachine.transition(trx, {
    row: m,
    to: 'EXPIRED',
    by: 'system',
    actor: c.actor,
    at: c.at,
    data: { level: m.level, endsAt: m.ends_at },
  });
}

/** An approved after-sales refund of a membership order: its member prices end at once. */
export async function refundMembership(
  trx: Db,
  c: { actor: Actor; at: Date },
  orderId: string,
  requestId: string,
): Promise<void> {
  const m = await trx
    .selectFrom('memberships')
    .selectAll()
    .where('order_id', '=', orderId)
    .executeTakeFirstOrThrow();
  await membershipMachine.transition(trx, {
    row: m,
    to: 'REFUNDED',
    by: 'system',
    actor: c.actor,
    at: c.at,
    data: { level: m.level, requestId },
  });
}

/** The membership deadlines, for the sweeper (wired in app.ts). */
export function membershipDeadlines(ctx: { engine: Engine }): DeadlineHandlers {
  const c = (at: Date) => ({ actor: systemActor('sweeper'), at, engine: ctx.engine });
  return {
    MEMBERSHIP_EXPIRY: { fire: (trx, d, at) => expireMembership(trx, c(at), d) },
    MEMBERSHIP_START: { fire: (trx, d, at) => startQueuedMembership(trx, c(at), d) },
  };
}
