/**
 * A bank's asynchronous result notice: verified for its signature, applied once to its
 * withdrawal, and logged whatever happens (forgeries too). A notice not applied is not
 * acknowledged, so the bank sends it again.
 */
import { now } from '../../platform/db/dialect.js';
import { DomainError, fail } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { BankAck, TransferNotice } from './bank.js';
import type { FinanceContext } from './context.js';
import { applyTransferNotice } from './withdrawals.js';

export async function receiveBankNotice(
  ctx: FinanceContext,
  bankName: string,
  raw: { headers: Record<string, string | undefined>; rawBody: string },
  ip: string | null,
): Promise<BankAck> {
  const bank = ctx.bank && ctx.bank.bank === bankName ? ctx.bank : fail('request.not_found');
  const log = (verified: boolean, outcome: string, reference: string | null, detail: string | null) =>
    ctx.db
      .insertInto('bank_notice_log')
      .values({
        id: newId(),
        bank: bank.bank,
        received_at: now(ctx.clock.now()),
        verified: verified ? 1 : 0,
        outcome,
        reference,
        detail,
        ip,
      })
      .execute();
  let notice: TransferNotice;
  try {
    notice = bank.verifyNotice(raw);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    ctx.log?.warn({ bank: bank.bank, code: error.code, ip }, 'bank notice refused');
    await log(false, 'FORGED', null, error.code);
    return { ...bank.ack(false), status: 401 };
  }
  try {
    const applied = await applyTransferNotice(ctx, bank.bank, notice);
    await log(true, applied, notice.outTransferNo, notice.state);
    return bank.ack(true);
  } catch (error) {
    if (!(error instanceof DomainError)) {
      // Not applied (e.g. a database failure): logged, not acknowledged, so the bank retries.
      await log(true, 'ERROR', notice.outTransferNo, 'internal');
      throw error;
    }
    await log(true, 'MISMATCH', notice.outTransferNo, error.code);
    return bank.ack(false);
  }
}
