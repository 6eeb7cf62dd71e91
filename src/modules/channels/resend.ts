/**
 * The sweeper's second chance for what Kameng owes a channel (delivery confirmations, refund
 * answers): each row still PENDING is sent again, least recently tried first, and one failure
 * stops none of the others; a failed send is counted and, after MAX_ATTEMPTS, given up.
 */
import type { Actor } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import type { Db } from '../../platform/db/dialect.js';
import type { DomainError } from '../../platform/errors.js';
import { fallbackLogger } from '../../platform/logger.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import type { ChannelsContext } from './context.js';

export type SendState = 'PENDING' | 'SENT' | 'GAVE_UP';

/** After this many failed sends a row is given up (an audit event tells the merchant and support). */
export const MAX_ATTEMPTS = 20;

export async function sendEach(
  ctx: Pick<ChannelsContext, 'log'>,
  ids: readonly string[],
  send: (id: string) => Promise<SendState>,
  what: string,
): Promise<number> {
  let sent = 0;
  for (const id of ids) {
    try {
      if ((await send(id)) === 'SENT') sent++;
    } catch (error) {
      (ctx.log ?? fallbackLogger).error({ err: error, id }, `${what} not sent; retried later`);
    }
  }
  return sent;
}

/**
 * A send the channel refused or could not take: the attempt is counted on the row (`record`, in
 * the row's own columns) and, at MAX_ATTEMPTS, the row is given up with an audit event.
 */
export async function sendFailed(
  ctx: Pick<ChannelsContext, 'db' | 'engine' | 'clock'>,
  f: {
    attemptsBefore: number;
    error: DomainError;
    actor: Actor;
    objectType: string;
    objectId: string;
    gaveUpAction: string;
    record(trx: Db, s: { attempts: number; state: 'PENDING' | 'GAVE_UP'; at: Date }): Promise<void>;
  },
): Promise<'PENDING' | 'GAVE_UP'> {
  const attempts = f.attemptsBefore + 1;
  const state = attempts >= MAX_ATTEMPTS ? 'GAVE_UP' : 'PENDING';
  await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    await f.record(trx, { attempts, state, at });
    if (state === 'GAVE_UP')
      await appendAudit(trx, {
        actor: f.actor,
        action: f.gaveUpAction,
        objectType: f.objectType,
        objectId: f.objectId,
        data: { attempts, lastError: f.error.code },
        at,
      });
  });
  return state;
}
