/**
 * Withdrawals (提现) of a merchant's payable balance to a bank account (Stage 6).
 *
 * Requesting one is one unit of work under the merchant's row lock: the balance checks (no debt,
 * not more than is available), the withdrawal row (REQUESTED, the account number sealed), and the
 * money moved out of the payable balance into transit — so concurrent requests queue on the lock
 * and never overdraw. The transfer is sent to the bank once that commits (`afterCommit`); its
 * id is the out_transfer_no the bank sees, so every retry (the sweeper's too) reuses it. Results —
 * the bank's answer, its signed notices, a query during reconciliation — move the withdrawal
 * through its machine once, whatever order or how often they arrive.
 */
import { z } from 'zod';
import { systemActor, type Actor, type UserActor } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import { constraintKind, forUpdate, now, type Db } from '../../platform/db/dialect.js';
import type { Row, WithdrawalState } from '../../platform/db/schema.js';
import { DomainError, fail } from '../../platform/errors.js';
import { requestHash } from '../../platform/idempotency.js';
import { newNumber, newOrderedId } from '../../platform/ids.js';
import { fallbackLogger } from '../../platform/logger.js';
import { fenToYuan } from '../../platform/money.js';
import { getPlatformRules } from '../../platform/settings.js';
import { afterCommit, unitOfWork } from '../../platform/unit-of-work.js';
import { merchantUsers, notify } from '../notifications/index.js';
import { lockMerchant, merchantBalances } from '../payments/index.js';
import { availableOf } from './available.js';
import {
  accountFingerprint,
  maskAccountNo,
  normaliseAccountNo,
  openAccountNo,
  sealAccountNo,
} from './bank-accounts.js';
import type { TransferNotice, TransferStatus } from './bank.js';
import type { FinanceContext } from './context.js';
import { postHold } from './flows.js';
import { withdrawalMachine } from './lifecycle.js';

const BANK_ACTOR = systemActor('bank');

export const withdrawalRequestSchema = z.strictObject({
  amountFen: z.number().int().min(1).max(100_000_000_00),
  /** The account holder's name (户名), as the bank has it. */
  accountName: z.string().trim().min(1).max(40),
  /** 12–19 digits; spaces and dashes between groups are allowed. Never echoed back. */
  accountNo: z.string().min(1).max(40),
  /** The bank's name (开户行), for the merchant's own records. */
  bankName: z.string().trim().min(1).max(40).optional(),
});
export type WithdrawalRequest = z.infer<typeof withdrawalRequestSchema>;

/** The merchant a logged-in merchant user acts for. */
export function merchantOf(actor: Actor): string {
  if (actor.kind !== 'user' || actor.role !== 'merchant' || !actor.merchantId) fail('catalog.not_merchant');
  return actor.merchantId;
}

async function replayOf(db: Db, merchantId: string, key: string, hash: string): Promise<string | null> {
  const row = await db
    .selectFrom('withdrawals')
    .select(['id', 'request_hash'])
    .where('merchant_id', '=', merchantId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== hash) fail('order.idempotency_mismatch', { field: 'Idempotency-Key' });
  return row.id;
}

/**
 * A merchant asks to withdraw. Returns the withdrawal's id; the same Idempotency-Key with the
 * same body returns the first one (`replayed`), with another body is a 422.
 */
export async function requestWithdrawal(
  ctx: FinanceContext,
  actor: UserActor,
  key: string,
  input: WithdrawalRequest,
): Promise<{ id: string; replayed: boolean }> {
  const merchantId = merchantOf(actor);
  const accountNo = normaliseAccountNo(input.accountNo);
  const account = await accountFingerprint(ctx.vault, ctx.db, ctx.clock.now(), accountNo);
  const hash = requestHash({
    kind: 'WITHDRAWAL',
    amountFen: input.amountFen,
    accountName: input.accountName,
    bankName: input.bankName ?? null,
    account,
  });
  for (let attempt = 0; ; attempt++) {
    const first = await replayOf(ctx.db, merchantId, key, hash);
    if (first) return { id: first, replayed: true };
    const bank = ctx.bank ?? fail('withdrawal.bank_unavailable');
    try {
      return await unitOfWork(ctx, async (trx) => {
        const at = ctx.clock.now();
        // Every movement that lowers the payable balance or the deposit takes this lock first.
        const merchant = await lockMerchant(trx, ctx.engine, merchantId);
        // Under the lock, a twin request with the same key that got there first is seen.
        const twin = await replayOf(trx, merchantId, key, hash);
        if (twin) return { id: twin, replayed: true };
        if (merchant.status !== 'ACTIVE') fail('withdrawal.merchant_suspended');
        const rules = await getPlatformRules(trx);
        const balances = await merchantBalances(trx, merchantId);
        const room = availableOf(balances, rules.minDepositFen);
        if (room.debtFen > 0)
          fail('withdrawal.merchant_in_debt', { params: { debt: fenToYuan(room.debtFen) } });
        if (input.amountFen > room.withdrawableFen)
          fail('withdrawal.exceeds_available', {
            field: 'amountFen',
            params: { amount: fenToYuan(input.amountFen), available: fenToYuan(room.withdrawableFen) },
            data: { availableFen: room.withdrawableFen, depositShortfallFen: room.depositShortfallFen },
          });
        const id = newOrderedId(at.getTime());
        const row = {
          id,
          withdrawal_no: newNumber('WD', at),
          merchant_id: merchantId,
          requested_by: actor.id,
          amount_fen: input.amountFen,
          bank: bank.bank,
          bank_name: input.bankName ?? null,
          account_name: input.accountName,
          account_masked: maskAccountNo(accountNo),
          account_sealed: await sealAccountNo(ctx.vault, trx, at, id, accountNo),
          state: 'REQUESTED' as const,
          bank_ref: null,
          failure_code: null,
          attempts: 0,
          last_error: null,
          idempotency_key: key,
          request_hash: hash,
          version: 1,
          created_at: now(at),
          updated_at: now(at),
          submitted_at: null,
          finished_at: null,
        };
        await trx.insertInto('withdrawals').values(row).execute();
        await appendAudit(trx, {
          actor,
          action: 'withdrawal.requested',
          objectType: 'withdrawal',
          objectId: id,
          data: {
            withdrawalNo: row.withdrawal_no,
            merchantId,
            amountFen: input.amountFen,
            bank: bank.bank,
            account: row.account_masked,
          },
          at,
        });
        await postHold(trx, actor, at, row);
        // Belt and braces: whatever raced, a withdrawal never leaves the payable balance negative.
        if ((await merchantBalances(trx, merchantId)).payableFen < 0)
          fail('withdrawal.exceeds_available', {
            field: 'amountFen',
            params: { amount: fenToYuan(input.amountFen), available: fenToYuan(room.withdrawableFen) },
          });
        afterCommit(trx, `withdrawal ${id}`, () => submitWithdrawal(ctx, id));
        return { id, replayed: false };
      });
    } catch (error) {
      // Two identical requests at once: the loser hits the unique key and returns the winner's.
      if (error instanceof DomainError || constraintKind(error) !== 'unique' || attempt >= 3) throw error;
    }
  }
}

/** After this many refused submissions (bank unreachable) a withdrawal is left to a person. */
export const MAX_SUBMIT_ATTEMPTS = 20;

/**
 * Sends a REQUESTED withdrawal to its bank. Safe to call again and again: the bank sees the same
 * out_transfer_no each time. Returns the withdrawal's state after.
 */
export async function submitWithdrawal(ctx: FinanceContext, id: string): Promise<WithdrawalState> {
  const first = await ctx.db
    .selectFrom('withdrawals')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  if (first.state !== 'REQUESTED') return first.state;
  const bank = ctx.bank;
  if (!bank || bank.bank !== first.bank) return first.state; // its bank is not configured here
  let status: TransferStatus;
  try {
    status = await bank.createTransfer({
      outTransferNo: first.id,
      amountFen: first.amount_fen,
      accountNo: await openAccountNo(ctx.vault, ctx.db, first.id, first.account_sealed),
      accountName: first.account_name,
      bankName: first.bank_name,
      remark: `Kameng 提现 ${first.withdrawal_no}`,
    });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // Bank unreachable: the row stays REQUESTED, the money in transit, and the sweeper tries again
    // under the same key — up to MAX_SUBMIT_ATTEMPTS, then the audit log says a person must look.
    await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      await trx
        .updateTable('withdrawals')
        .set({ attempts: first.attempts + 1, last_error: error.code, updated_at: now(at) })
        .where('id', '=', first.id)
        .where('state', '=', 'REQUESTED')
        .execute();
      if (first.attempts + 1 === MAX_SUBMIT_ATTEMPTS)
        await appendAudit(trx, {
          actor: BANK_ACTOR,
          action: 'withdrawal.submit_gave_up',
          objectType: 'withdrawal',
          objectId: first.id,
          data: { attempts: first.attempts + 1, lastError: error.code },
          at,
        });
    });
    return 'REQUESTED';
  }
  return unitOfWork(ctx, async (trx) => {
    const w = await lockWithdrawal(trx, ctx, id);
    if (w.state !== 'REQUESTED') return w.state; // a notice got there first
    const at = ctx.clock.now();
    const moved = await applyTransferStatus(trx, at, { ...w, attempts: w.attempts + 1 }, status, {
      submitted_at: now(at),
      attempts: w.attempts + 1,
    });
    return moved?.state ?? w.state;
  });
}

const lockWithdrawal = (trx: Db, ctx: FinanceContext, id: string) =>
  forUpdate(trx.selectFrom('withdrawals').selectAll().where('id', '=', id), ctx.engine)
    .executeTakeFirst()
    .then((w) => w ?? fail('withdrawal.not_found'));

const TARGET: Record<TransferStatus['state'], WithdrawalState> = {
  PROCESSING: 'PROCESSING',
  SUCCESS: 'PAID',
  FAILED: 'FAILED',
};

/**
 * Applies what the bank says about a withdrawal (its answer, a notice, a query) to the locked row.
 * A final state never moves again, a result already recorded changes nothing, and "processing"
 * after a result is a stale message. Returns the row after the move, or null when nothing moved.
 */
async function applyTransferStatus(
  trx: Db,
  at: Date,
  w: Row<'withdrawals'>,
  status: TransferStatus,
  set: Partial<Row<'withdrawals'>> = {},
): Promise<Row<'withdrawals'> | null> {
  if (status.amountFen !== w.amount_fen) fail('bank.notice_mismatch', { params: { reason: 'amount' } });
  const to = TARGET[status.state];
  if (w.state === to || w.state === 'PAID' || w.state === 'FAILED') return null;
  if (to === 'PROCESSING' && w.state !== 'REQUESTED') return null;
  const moved = await withdrawalMachine.transition(trx, {
    row: w,
    to,
    by: 'system',
    actor: BANK_ACTOR,
    at,
    set: {
      ...set,
      bank_ref: status.transferId,
      failure_code: to === 'FAILED' ? (status.failureCode ?? 'BANK_REJECTED') : null,
      last_error: null,
    },
    data: { bankRef: status.transferId, failureCode: status.failureCode ?? undefined },
  });
  if (to === 'PAID' || to === 'FAILED') await tellMerchant(trx, moved, at);
  return moved;
}

async function tellMerchant(trx: Db, w: Row<'withdrawals'>, at: Date): Promise<void> {
  const amount = fenToYuan(w.amount_fen);
  const text =
    w.state === 'PAID'
      ? {
          titleZh: '提现已到账',
          titleEn: 'Withdrawal paid',
          bodyZh: `提现 ${w.withdrawal_no}（¥${amount}）已转入尾号 ${w.account_masked.slice(-4)} 的银行账户。`,
          bodyEn: `Withdrawal ${w.withdrawal_no} (¥${amount}) was paid to the account ending ${w.account_masked.slice(-4)}.`,
        }
      : {
          titleZh: '提现失败，资金已退回',
          titleEn: 'Withdrawal failed; the money is back',
          bodyZh: `提现 ${w.withdrawal_no}（¥${amount}）被银行退回，金额已退回店铺余额，请核对收款账户后重新提现。`,
          bodyEn: `The bank returned withdrawal ${w.withdrawal_no} (¥${amount}); the amount is back in the shop balance. Check the account and withdraw again.`,
        };
  await notify(
    trx,
    await merchantUsers(trx, w.merchant_id),
    {
      kind: 'WITHDRAWAL_STATUS',
      ...text,
      link: '/merchant/finance',
      object: { type: 'withdrawal', id: w.id },
    },
    at,
  );
}

/** A verified bank notice: applied once, whatever order it comes in. */
export async function applyTransferNotice(
  ctx: FinanceContext,
  bank: string,
  notice: TransferNotice,
): Promise<'APPLIED' | 'DUPLICATE'> {
  const applied = await unitOfWork(ctx, async (trx) => {
    const w = await forUpdate(
      trx.selectFrom('withdrawals').selectAll().where('id', '=', notice.outTransferNo),
      ctx.engine,
    ).executeTakeFirst();
    if (!w || w.bank !== bank)
      fail('bank.notice_mismatch', { params: { reason: 'unknown out_transfer_no' } });
    return (await applyTransferStatus(trx, ctx.clock.now(), w, notice)) !== null;
  });
  return applied ? 'APPLIED' : 'DUPLICATE';
}

/**
 * Withdrawals still REQUESTED (the bank was unreachable, or the process stopped after the
 * request): sent again, least recently tried first. One failure never stops the rest.
 */
export async function submitPendingWithdrawals(ctx: FinanceContext, limit = 50): Promise<number> {
  const rows = await ctx.db
    .selectFrom('withdrawals')
    .select('id')
    .where('state', '=', 'REQUESTED')
    .where('attempts', '<', MAX_SUBMIT_ATTEMPTS)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  let sent = 0;
  for (const r of rows) {
    try {
      if ((await submitWithdrawal(ctx, r.id)) !== 'REQUESTED') sent++;
    } catch (error) {
      (ctx.log ?? fallbackLogger).error(
        { err: error, withdrawal: r.id },
        'withdrawal not sent; retried later',
      );
    }
  }
  return sent;
}

/**
 * Asks the bank about withdrawals PROCESSING for a while (a notice may have been lost). Each one
 * asked is pushed to the back (its `updated_at` moves), so slow transfers do not starve the rest.
 */
export async function reconcileWithdrawals(
  ctx: FinanceContext,
  olderThan: Date,
  limit = 50,
): Promise<number> {
  const bank = ctx.bank;
  if (!bank) return 0;
  const rows = await ctx.db
    .selectFrom('withdrawals')
    .select(['id', 'bank'])
    .where('state', '=', 'PROCESSING')
    .where('bank', '=', bank.bank)
    .where('updated_at', '<=', now(olderThan))
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  let settled = 0;
  for (const w of rows) {
    try {
      const status = await bank.queryTransfer(w.id);
      if (status && status.state !== 'PROCESSING') {
        if ((await applyTransferNotice(ctx, w.bank, { type: 'TRANSFER', ...status })) === 'APPLIED')
          settled++;
        continue;
      }
    } catch (error) {
      (ctx.log ?? fallbackLogger).error(
        { err: error, withdrawal: w.id },
        'withdrawal query failed; retried later',
      );
    }
    await ctx.db
      .updateTable('withdrawals')
      .set({ updated_at: now(ctx.clock.now()) })
      .where('id', '=', w.id)
      .where('state', '=', 'PROCESSING')
      .execute();
  }
  return settled;
}
