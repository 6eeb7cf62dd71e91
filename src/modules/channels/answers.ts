/**
 * The merchant's answer goes back to the channel (spec §11). A request decided in Kameng (by the
 * merchant, support, the rules or a review timeout) records AGREE / REFUSE on its channel refund in
 * the deciding unit of work (after-sales' `channelAnswer` port), and the call to the channel is
 * made after commit — again by the sweeper until it goes through. A channel refund that is
 * already final (refunded or closed on the channel) is not answered.
 */
import type { Actor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError } from '../../platform/errors.js';
import { appendAudit } from '../../platform/audit.js';
import { afterCommit } from '../../platform/unit-of-work.js';
import { channelActor } from '../aftersales/index.js';
import type { ChannelsContext } from './context.js';
import { sendEach, sendFailed } from './resend.js';
import { shopRef } from './shops.js';

/** The channel refund row a request was opened for (its Idempotency-Key is `channel:<row id>[:<attempt>]`). */
const rowIdOf = (request: Pick<Row<'refund_requests'>, 'idempotency_key'>): string | null =>
  request.idempotency_key.startsWith('channel:') ? (request.idempotency_key.split(':')[1] ?? null) : null;

/** After-sales' `channelAnswer` port: records the answer and sends it once the decision commits. */
export async function recordAnswer(
  ctx: ChannelsContext,
  trx: Db,
  c: { actor: Actor; at: Date },
  request: Row<'refund_requests'>,
  answer: { agree: boolean; message: string },
): Promise<void> {
  const rowId = rowIdOf(request);
  if (!rowId) return;
  const row = await trx.selectFrom('channel_refunds').selectAll().where('id', '=', rowId).executeTakeFirst();
  if (!row) return;
  await trx
    .updateTable('channel_refunds')
    .set({
      request_id: request.id,
      answer: answer.agree ? 'AGREE' : 'REFUSE',
      answer_message: answer.message.slice(0, 500),
      answer_state: 'PENDING',
      answer_attempts: 0,
      answer_error: null,
      updated_at: now(c.at),
    })
    .where('id', '=', row.id)
    .execute();
  await appendAudit(trx, {
    actor: c.actor,
    action: answer.agree ? 'channel_refund.answered_agree' : 'channel_refund.answered_refuse',
    objectType: 'channel_refund',
    objectId: row.id,
    data: { requestId: request.id, channelRefundId: row.channel_refund_id },
    at: c.at,
  });
  afterCommit(trx, `channel answer ${row.id}`, () => sendAnswer(ctx, row.id).then(() => undefined));
}

/** A channel refund with nothing left to refund in Kameng (all refunded already): refused at once. */
export async function refuseUnrefundable(
  ctx: ChannelsContext,
  trx: Db,
  c: { actor: Actor; at: Date },
  row: Row<'channel_refunds'>,
): Promise<void> {
  await trx
    .updateTable('channel_refunds')
    .set({
      answer: 'REFUSE',
      answer_message: '该订单的卡密已全部退款，无可退内容',
      answer_state: 'PENDING',
      answer_attempts: 0,
      answer_error: null,
      updated_at: now(c.at),
    })
    .where('id', '=', row.id)
    .execute();
  await appendAudit(trx, {
    actor: c.actor,
    action: 'channel_refund.answered_refuse',
    objectType: 'channel_refund',
    objectId: row.id,
    data: { channelRefundId: row.channel_refund_id, reason: 'NOTHING_LEFT' },
    at: c.at,
  });
  afterCommit(trx, `channel answer ${row.id}`, () => sendAnswer(ctx, row.id).then(() => undefined));
}

export async function sendAnswer(
  ctx: ChannelsContext,
  rowId: string,
): Promise<'SENT' | 'PENDING' | 'GAVE_UP'> {
  const row = await ctx.db
    .selectFrom('channel_refunds')
    .selectAll()
    .where('id', '=', rowId)
    .executeTakeFirstOrThrow();
  if (row.answer_state !== 'PENDING' || !row.answer) return row.answer_state ?? 'SENT';
  const done = (error: string | null) =>
    ctx.db
      .updateTable('channel_refunds')
      .set({
        answer_state: 'SENT',
        answer_error: error,
        answer_attempts: row.answer_attempts + 1,
        updated_at: now(ctx.clock.now()),
      })
      .where('id', '=', row.id)
      .where('answer_state', '=', 'PENDING')
      .execute();
  // Already refunded or closed on the channel: there is nothing left to answer.
  if (row.status === 'SUCCESS' || row.status === 'CLOSED') {
    await done('CHANNEL_FINAL');
    return 'SENT';
  }
  const shop = await ctx.db
    .selectFrom('channel_shops')
    .selectAll()
    .where('id', '=', row.shop_id)
    .executeTakeFirstOrThrow();
  try {
    await ctx.connectors[shop.channel].answerRefund(await shopRef(ctx, shop), {
      channelRefundId: row.channel_refund_id,
      channelOrderId: row.channel_order_id,
      agree: row.answer === 'AGREE',
      message: row.answer_message ?? '',
      outId: row.request_id ?? row.id,
    });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return sendFailed(ctx, {
      attemptsBefore: row.answer_attempts,
      error,
      actor: channelActor(shop.channel),
      objectType: 'channel_refund',
      objectId: row.id,
      gaveUpAction: 'channel_refund.answer_gave_up',
      record: async (trx, f) => {
        await trx
          .updateTable('channel_refunds')
          .set({
            answer_attempts: f.attempts,
            answer_error: error.code,
            answer_state: f.state,
            updated_at: now(f.at),
          })
          .where('id', '=', row.id)
          .where('answer_state', '=', 'PENDING')
          .execute();
      },
    });
  }
  await done(null);
  return 'SENT';
}

export async function resendAnswers(ctx: ChannelsContext, limit = 50): Promise<number> {
  const rows = await ctx.db
    .selectFrom('channel_refunds')
    .select('id')
    .where('answer_state', '=', 'PENDING')
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return sendEach(
    ctx,
    rows.map((r) => r.id),
    (id) => sendAnswer(ctx, id),
    'channel refund answer',
  );
}
