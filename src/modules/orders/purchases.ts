/**
 * The two other things a buyer pays for: a wallet top-up (充值, through WeChat Pay or Alipay) and a
 * membership (VIP / 超会, with balance). Both are orders, so they share idempotency, payment,
 * expiry and the records export with goods.
 */
import { z } from 'zod';
import type { Actor, UserActor } from '../../platform/actor.js';
import { fail } from '../../platform/errors.js';
import { fenToYuan } from '../../platform/money.js';
import { getPlatformRules } from '../../platform/settings.js';
import { LEVEL_RANK, listOffers, memberLevelAt, startMembership } from '../membership/index.js';
import { receivePayment } from './fulfil.js';
import { BALANCE_PROVIDER, type PaymentsContext } from '../payments/index.js';
import { requestHash } from '../../platform/idempotency.js';
import { idempotent, insertOrder, paymentExpiry } from './create.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

type Buyer = UserActor;

export const topupSchema = z.strictObject({
  amountFen: z.number().int().min(1),
  paymentMethod: z.enum(['WECHAT', 'ALIPAY']),
});

export async function topUp(
  ctx: PaymentsContext,
  buyer: Buyer,
  key: string,
  input: z.infer<typeof topupSchema>,
): Promise<{ orderId: string; replayed: boolean }> {
  if (buyer.role !== 'buyer') fail('order.buyers_only');
  const hash = requestHash({ kind: 'TOPUP', ...input });
  return idempotent(ctx, buyer.id, key, hash, async () => ({
    orderId: await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      const rules = await getPlatformRules(trx);
      if (input.amountFen < rules.topupMinFen || input.amountFen > rules.topupMaxFen)
        fail('topup.amount_invalid', {
          field: 'amountFen',
          params: { min: fenToYuan(rules.topupMinFen), max: fenToYuan(rules.topupMaxFen) },
        });
      const { order } = await insertOrder(
        trx,
        ctx,
        { actor: buyer, at },
        {
          kind: 'TOPUP',
          buyer_id: buyer.id,
          quantity: 1,
          unit_price_fen: input.amountFen,
          total_fen: input.amountFen,
          buyer_level: buyer.memberLevel,
          member_price: 0,
          payment_method: input.paymentMethod,
          expires_at: paymentExpiry(rules, at),
          idempotency_key: key,
          request_hash: hash,
        },
        ctx.gateways.forMethod(input.paymentMethod).provider,
      );
      return order.id;
    }),
  }));
}

export const membershipPurchaseSchema = z.strictObject({
  level: z.enum(['VIP', 'SUPER']),
  /** The price (fen) and term the buyer saw and confirmed; a changed offer is refused. */
  priceFen: z.number().int().min(0),
  termDays: z.number().int().min(1),
});

export async function buyMembership(
  ctx: PaymentsContext,
  buyer: Buyer,
  key: string,
  input: z.infer<typeof membershipPurchaseSchema>,
): Promise<{ orderId: string; replayed: boolean }> {
  if (buyer.role !== 'buyer') fail('order.buyers_only');
  const hash = requestHash({ kind: 'MEMBERSHIP', ...input });
  return idempotent(ctx, buyer.id, key, hash, async () => ({
    orderId: await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      const offer =
        (await listOffers(trx)).find((o) => o.level === input.level) ?? fail('membership.offer_not_found');
      if (offer.priceFen !== input.priceFen || offer.termDays !== input.termDays)
        fail('membership.price_changed', {
          field: 'priceFen',
          params: { price: fenToYuan(offer.priceFen), days: offer.termDays },
          data: { priceFen: offer.priceFen, termDays: offer.termDays },
        });
      // The user row is locked first, as checkout does: the order's foreign key and the level
      // change later take locks on it too, and two purchases must not wait on each other's.
      const current = await memberLevelAt(trx, buyer.id, at, { engine: ctx.engine });
      if (LEVEL_RANK[current] > LEVEL_RANK[offer.level])
        fail('membership.lower_than_current', { params: { current } });
      const c = { actor: buyer as Actor, at, engine: ctx.engine };
      const { order, payment } = await insertOrder(
        trx,
        ctx,
        c,
        {
          kind: 'MEMBERSHIP',
          buyer_id: buyer.id,
          quantity: 1,
          unit_price_fen: offer.priceFen,
          total_fen: offer.priceFen,
          buyer_level: current,
          member_price: 0,
          membership_level: offer.level,
          membership_term_days: offer.termDays,
          payment_method: 'BALANCE',
          idempotency_key: key,
          request_hash: hash,
        },
        BALANCE_PROVIDER,
      );
      await receivePayment(trx, ctx, c, order, payment, { providerTradeNo: null, payerRef: null });
      await startMembership(trx, c, order);
      return order.id;
    }),
  }));
}
