/**
 * The order lifecycle as a transition table, defined once as the order machine: every order state
 * change goes through `orderMachine.transition()` (edge and role check, version-checked UPDATE …
 * RETURNING, 409 on a lost race, audit event) in the caller's unit of work.
 */
import type { Actor } from '../../platform/actor.js';
import type { Db } from '../../platform/db/dialect.js';
import type { OrderState } from '../../platform/db/schema.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';

/** `system` is payment, expiry and refund code; `buyer` the order's own buyer. */
export type OrderActor = 'system' | 'buyer';

export const orderTransitions: Transitions<OrderState, OrderActor> = {
  PENDING_PAYMENT: {
    DELIVERED: { by: ['system'] }, // paid: keys sealed, wallet credited or membership started
    EXPIRED: { by: ['system'] }, // unpaid at expires_at: the reservation is released
    CANCELLED: { by: ['buyer'] },
  },
  // A payment that arrives after expiry or cancellation is never kept silently: the order is
  // delivered if stock allows, otherwise the money goes back automatically.
  EXPIRED: { DELIVERED: { by: ['system'] }, REFUNDED: { by: ['system'] } },
  CANCELLED: { DELIVERED: { by: ['system'] }, REFUNDED: { by: ['system'] } },
  DELIVERED: { REFUNDED: { by: ['system'] } }, // every unit refunded (after-sales, Stage 4)
  REFUNDED: {},
};

/** The order aggregate, defined once (platform/fsm.ts). */
export const orderMachine = defineMachine({
  name: 'order',
  table: 'orders',
  column: 'state',
  initial: ['PENDING_PAYMENT'],
  terminal: ['REFUNDED'],
  transitions: orderTransitions,
  notAllowed: 'order.transition_not_allowed',
});

/**
 * After-sales paid back the last unit of a delivered order (no payout of it still on its way): the
 * order is REFUNDED. Anything else (not delivered, already refunded) is left as it is.
 */
export async function markOrderRefunded(
  trx: Db,
  c: { actor: Actor; at: Date },
  orderId: string,
  data: Record<string, unknown>,
): Promise<void> {
  const order = await trx
    .selectFrom('orders')
    .select(['id', 'state', 'version'])
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  if (order.state === 'DELIVERED')
    await orderMachine.transition(trx, {
      row: order,
      to: 'REFUNDED',
      by: 'system',
      actor: c.actor,
      at: c.at,
      data,
    });
}
