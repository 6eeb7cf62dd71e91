/**
 * Deposit top-ups (补缴保证金, Stage 6): the merchant moves money from its payable balance into its
 * 保证金 deposit — one balanced ledger transaction under the merchant's lock, recorded once per
 * Idempotency-Key (a double click gives one top-up; the same key with another amount is a 422).
 */
import { z } from 'zod';
import type { UserActor } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import { constraintKind, now, type Db } from '../../platform/db/dialect.js';
import { DomainError, fail } from '../../platform/errors.js';
import { requestHash } from '../../platform/idempotency.js';
import { newOrderedId } from '../../platform/ids.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { lockMerchant, moveToDeposit } from '../payments/index.js';
import type { FinanceContext } from './context.js';
import { merchantOf } from './withdrawals.js';

export const depositTopupSchema = z.strictObject({
  amountFen: z.number().int().min(1).max(100_000_000_00),
});

async function replayOf(db: Db, merchantId: string, key: string, hash: string): Promise<string | null> {
  const row = await db
    .selectFrom('deposit_topups')
    .select(['id', 'request_hash'])
    .where('merchant_id', '=', merchantId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== hash) fail('order.idempotency_mismatch', { field: 'Idempotency-Key' });
  return row.id;
}

export async function topUpDeposit(
  ctx: FinanceContext,
  actor: UserActor,
  key: string,
  input: z.infer<typeof depositTopupSchema>,
): Promise<{ id: string; replayed: boolean }> {
  const merchantId = merchantOf(actor);
  const hash = requestHash({ kind: 'DEPOSIT_TOPUP', ...input });
  for (let attempt = 0; ; attempt++) {
    const first = await replayOf(ctx.db, merchantId, key, hash);
    if (first) return { id: first, replayed: true };
    try {
      return await unitOfWork(ctx, async (trx) => {
        const at = ctx.clock.now();
        const merchant = await lockMerchant(trx, ctx.engine, merchantId);
        // Under the lock, a twin request with the same key that got there first is seen.
        const twin = await replayOf(trx, merchantId, key, hash);
        if (twin) return { id: twin, replayed: true };
        const id = newOrderedId(at.getTime());
        await trx
          .insertInto('deposit_topups')
          .values({
            id,
            merchant_id: merchantId,
            amount_fen: input.amountFen,
            source: 'PAYABLE',
            created_by: actor.id,
            idempotency_key: key,
            request_hash: hash,
            created_at: now(at),
          })
          .execute();
        const after = await moveToDeposit(
          trx,
          { actor, at, engine: ctx.engine },
          { merchantId, declaredDepositFen: merchant.deposit_fen, amountFen: input.amountFen, topupId: id },
        );
        await appendAudit(trx, {
          actor,
          action: 'merchant.deposit_topped_up',
          objectType: 'merchant',
          objectId: merchantId,
          data: { topupId: id, amountFen: input.amountFen, source: 'PAYABLE', depositFen: after.depositFen },
          at,
        });
        return { id, replayed: false };
      });
    } catch (error) {
      if (error instanceof DomainError || constraintKind(error) !== 'unique' || attempt >= 3) throw error;
    }
  }
}
