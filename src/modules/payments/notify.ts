/**
 * A gateway's asynchronous notification (spec §4, §8): verified for its signature (and decrypted,
 * for WeChat v3), applied once — a payment to its order, a refund to its payout — and logged
 * whatever happens (forgeries too). The answer is the gateway's own acknowledgement format: a
 * notification not applied is not acknowledged, so the gateway sends it again.
 */
import { DomainError } from '../../platform/errors.js';
import { applyPaymentNotice, logNotification } from './apply.js';
import { applyRefundNotice } from './payouts.js';
import type { PaymentsContext } from './registry.js';

export async function receiveNotification(
  ctx: PaymentsContext,
  provider: string,
  raw: { headers: Record<string, string | undefined>; rawBody: string },
  ip: string | null,
): Promise<{ status: number; contentType: string; body: string }> {
  const gateway = ctx.gateways.get(provider);
  const at = ctx.clock.now();
  const log = (verified: boolean, outcome: string, reference: string | null, detail: string) =>
    logNotification(ctx.db, { provider: gateway.provider, at, verified, outcome, reference, detail, ip });
  let notice;
  try {
    notice = gateway.verifyNotification(raw);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    ctx.log?.warn({ provider: gateway.provider, code: error.code, ip }, 'payment notification refused');
    await log(false, 'FORGED', null, error.code);
    return { ...gateway.ack(false), status: 401 };
  }
  let ok = true;
  if (notice.type === 'PAYMENT') {
    const r = await applyPaymentNotice(ctx, gateway.provider, notice, ip).catch(async (error: unknown) => {
      // Not applied (e.g. a database failure): logged, not acknowledged, so the gateway retries.
      await log(true, 'ERROR', notice.outTradeNo, error instanceof DomainError ? error.code : 'internal');
      throw error;
    });
    ok = r.outcome !== 'MISMATCH' && r.outcome !== 'UNKNOWN_PAYMENT';
    if (!ok)
      ctx.log?.warn(
        { provider: gateway.provider, outcome: r.outcome, detail: r.detail },
        'payment notification rejected',
      );
  } else {
    try {
      await applyRefundNotice(ctx, gateway.provider, notice);
      await log(true, 'REFUND', notice.outRefundNo, notice.state);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      ok = false;
      await log(true, 'MISMATCH', notice.outRefundNo, error.code);
    }
  }
  return gateway.ack(ok);
}
