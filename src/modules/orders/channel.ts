/**
 * A channel order (spec §11): sold on Taobao, Pinduoduo or 闲鱼, delivered from the merchant's
 * Kameng stock. It is an ordinary goods order paid by CHANNEL — the channel already has the money
 * — owned by the shop's channel buyer, with the product's current policy recorded (the channel
 * buyer confirmed the channel's listing, not Kameng's page, so a restricting clause is never held
 * against them). Keys are reserved and sealed in the
 * caller's unit of work; the channels module makes sure it runs once per channel order.
 *
 * `policy_confirmed_at` (required on goods orders by a CHECK) holds, for a channel order, when the
 * buyer accepted the channel's listing — not a confirmation of Kameng's policy page, which the
 * channel buyer never saw: after-sales reads a channel order as unconfirmed (ADR 0008).
 */
import type { Actor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import { requestHash } from '../../platform/idempotency.js';
import { createUnits, reserveKeys } from '../inventory/index.js';
import type { PaymentsContext } from '../payments/index.js';
import { insertOrder } from './create.js';
import { receivePayment } from './fulfil.js';
import { getPlatformRules } from '../../platform/settings.js';

export interface ChannelOrderInput {
  /** The shop's channel buyer (users.channel_shop_id). */
  buyerId: string;
  productId: string;
  quantity: number;
  unitPriceFen: number;
  totalFen: number;
  /** `channel:taobao` …: recorded as the payment's provider. */
  provider: string;
  /** The channel's order number (tid / order_sn), kept as the payment's trade number. */
  channelOrderNo: string;
  /** One order per shop and channel order: `channel:<shopId>:<channelOrderId>`. */
  idempotencyKey: string;
  /** When the channel buyer paid (accepted the channel's listing). */
  paidAt: Date | null;
  actor: Actor;
  at: Date;
}

/** Places and delivers a channel order; `inventory.out_of_stock` (and nothing written) when short. */
export async function placeChannelOrder(
  trx: Db,
  ctx: PaymentsContext,
  input: ChannelOrderInput,
): Promise<{ orderId: string; orderNo: string }> {
  const product = await trx
    .selectFrom('products')
    .selectAll()
    .where('id', '=', input.productId)
    .executeTakeFirst();
  if (!product || product.status === 'DRAFT') fail('catalog.product_not_found');
  const merchant = await trx
    .selectFrom('merchants')
    .select(['status', 'commission_bp'])
    .where('id', '=', product.merchant_id)
    .executeTakeFirstOrThrow();
  if (merchant.status !== 'ACTIVE') fail('merchant.suspended');
  const policy = await trx
    .selectFrom('refund_policies')
    .selectAll()
    .where('id', '=', product.current_policy_id)
    .executeTakeFirstOrThrow();
  const c = { actor: input.actor, at: input.at };
  const { order, payment } = await insertOrder(
    trx,
    ctx,
    c,
    {
      kind: 'GOODS',
      buyer_id: input.buyerId,
      merchant_id: product.merchant_id,
      product_id: product.id,
      quantity: input.quantity,
      unit_price_fen: input.unitPriceFen,
      total_fen: input.totalFen,
      buyer_level: 'REGULAR',
      member_price: 0,
      product_name: product.name,
      product_type: product.type,
      face_value_fen: product.face_value_fen,
      validity_days: product.validity_days,
      policy_id: policy.id,
      policy_version: policy.version,
      policy_text_hash: policy.text_hash,
      policy_confirmed_at: now(input.paidAt ?? input.at),
      commission_bp: null,
      payment_method: 'CHANNEL',
      expires_at: null,
      idempotency_key: input.idempotencyKey,
      request_hash: requestHash({ channelOrder: input.idempotencyKey }),
    },
    input.provider,
  );
  const units = await createUnits(trx, {
    productId: product.id,
    buyerId: input.buyerId,
    policyId: policy.id,
    count: input.quantity,
    at: input.at,
    orderId: order.id,
  });
  await reserveKeys(
    trx,
    { ...c, engine: ctx.engine },
    { productId: product.id, buyerId: input.buyerId, unitIds: units },
  );
  await receivePayment(
    trx,
    ctx,
    c,
    order,
    payment,
    { providerTradeNo: input.channelOrderNo, payerRef: null },
    { unitIds: units, policy, rules: await getPlatformRules(trx) },
  );
  return { orderId: order.id, orderNo: order.order_no };
}
