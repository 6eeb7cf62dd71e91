/**
 * The sweeper's second chance for what Kameng owes a channel (delivery confirmations, refund
 * answers): each row still PENDING is sent again, least recently tried first, and one failure
 * stops none of the others.
 */
import { fallbackLogger } from '../../platform/logger.js';
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
