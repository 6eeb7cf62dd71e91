/**
 * The order lifecycle as a transition table, and the one `transitionOrder()` every order state
 * change goes through: edge check, version-checked conditional UPDATE (zero rows is a 409) and the
 * audit event, inside the caller's transaction.
 */
import type { Actor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { OrderState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { checkTransition, type Transitions } from '../../platform/fsm.js';
import { appendAudit } from '../audit/index.js';

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

export interface OrderMove {
  order: Pick<Row<'orders'>, 'id' | 'state' | 'version'>;
  to: OrderState;
  by: OrderActor;
  actor: Actor;
  at: Date;
  set?: Partial<Omit<Row<'orders'>, 'id' | 'state' | 'version'>>;
  data?: Record<string, unknown>;
}

export async function transitionOrder(trx: Db, m: OrderMove): Promise<number> {
  const check = checkTransition(orderTransitions, m.order.state, m.to, m.by);
  if (check !== 'ok')
    fail(check === 'forbidden' ? 'auth.forbidden' : 'order.transition_not_allowed', {
      params: { from: m.order.state, to: m.to },
    });
  const res = await trx
    .updateTable('orders')
    .set({ ...m.set, state: m.to, version: m.order.version + 1, updated_at: now(m.at) })
    .where('id', '=', m.order.id)
    .where('state', '=', m.order.state)
    .where('version', '=', m.order.version)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) fail('request.conflict', { field: 'version' });
  await appendAudit(trx, {
    actor: m.actor,
    action: `order.${m.to.toLowerCase()}`,
    objectType: 'order',
    objectId: m.order.id,
    data: { from: m.order.state, to: m.to, ...m.data },
    at: m.at,
  });
  return m.order.version + 1;
}
