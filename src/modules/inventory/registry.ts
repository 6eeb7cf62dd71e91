/**
 * The activation registry: issuers and merchants redeem a key, check it, or report an activation
 * made elsewhere. It is the platform's proof of first use; "activated before delivery" follows
 * from the recorded times. Look-ups go through keyed hashes, nothing is decrypted, and an unknown
 * card number and a wrong password get the same answer.
 */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import type { InventoryContext } from './import.js';
import { moveKeys, type KeyActor, keyStateSchema } from './lifecycle.js';
import type { ProductType } from './parse.js';
import { lookupHmac, secretHmac } from './key-hashes.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export const credentialsSchema = z.strictObject({
  cardNo: z.string().trim().min(1).max(256).optional(),
  password: z.string().trim().min(1).max(256),
});
export type Credentials = z.infer<typeof credentialsSchema>;

export const keyStatusSchema = z.object({
  keyId: z.string(),
  productId: z.string(),
  productType: z.enum(['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT']),
  state: keyStateSchema,
  deliveredAt: z.string().nullable(),
  activatedAt: z.string().nullable(),
  activationSource: z.enum(['REDEEM', 'REPORT']).nullable(),
  activatedBeforeDelivery: z.boolean(),
  /** ENTITLEMENT rights are consumed from activation: any usage is partial use. */
  partiallyUsed: z.boolean(),
});
export type KeyStatus = z.infer<typeof keyStatusSchema>;

function registryActor(actor: Actor): { by: KeyActor; merchantId: string | null } {
  if (actor.kind === 'token' && actor.scope === 'issuer') return { by: 'issuer', merchantId: null };
  if (actor.kind === 'token' && actor.scope === 'merchant' && actor.merchantId)
    return { by: 'merchant', merchantId: actor.merchantId };
  if (actor.kind === 'user' && actor.role === 'merchant' && actor.merchantId)
    return { by: 'merchant', merchantId: actor.merchantId };
  return fail('auth.forbidden');
}

type FoundKey = Row<'keys'> & { product_type: ProductType };

async function findKey(
  ctx: InventoryContext,
  db: Db,
  creds: Credentials,
  merchantId: string | null,
): Promise<FoundKey> {
  const hmacKey = await ctx.vault.hmacKey(db, ctx.clock.now());
  const payload = { serial: creds.cardNo ?? null, secret: creds.password };
  // The look-up hash does not depend on the product type except for secret-only keys, where
  // license keys are normalised differently: try both forms.
  const lookups = [
    lookupHmac(hmacKey, 'CARD_KEY', payload),
    ...(payload.serial === null ? [lookupHmac(hmacKey, 'LICENSE_KEY', payload)] : []),
  ];
  const candidates = await db
    .selectFrom('keys')
    .innerJoin('products', 'products.id', 'keys.product_id')
    .selectAll('keys')
    .select('products.type as product_type')
    .where('keys.lookup_hmac', 'in', lookups)
    .execute();
  const match = candidates.find(
    (k) =>
      Buffer.from(k.secret_hmac).equals(secretHmac(hmacKey, k.product_type, payload)) &&
      (merchantId === null || k.merchant_id === merchantId),
  );
  return match ?? fail('registry.key_not_found');
}

function toStatus(k: FoundKey): KeyStatus {
  return {
    keyId: k.id,
    productId: k.product_id,
    productType: k.product_type,
    state: k.state,
    deliveredAt: k.delivered_at,
    activatedAt: k.activated_at,
    activationSource: k.activation_source,
    activatedBeforeDelivery: k.activated_before_delivery === 1,
    partiallyUsed: k.state === 'ACTIVATED' && k.product_type === 'ENTITLEMENT',
  };
}

function refuseUnusable(k: FoundKey): void {
  if (k.state === 'VOIDED') fail('registry.key_voided');
  if (k.state === 'INVALID') fail('registry.key_invalid');
  if (k.state === 'ACTIVATED') fail('registry.already_activated', { params: { at: k.activated_at ?? '' } });
}

export async function checkKey(ctx: InventoryContext, actor: Actor, creds: Credentials): Promise<KeyStatus> {
  const { merchantId } = registryActor(actor);
  return toStatus(await findKey(ctx, ctx.db, creds, merchantId));
}

async function activate(
  ctx: InventoryContext,
  actor: Actor,
  creds: Credentials,
  source: 'REDEEM' | 'REPORT',
  activatedAt: Date,
): Promise<KeyStatus> {
  const { by, merchantId } = registryActor(actor);
  return unitOfWork(ctx, async (trx) => {
    const key = await findKey(ctx, trx, creds, merchantId);
    refuseUnusable(key);
    if (activatedAt.getTime() < Date.parse(key.created_at))
      fail('registry.activation_before_import', { field: 'activatedAt' });
    const before = key.delivered_at === null || activatedAt.getTime() < Date.parse(key.delivered_at);
    await moveKeys(trx, {
      keys: [key],
      to: 'ACTIVATED',
      by,
      actor,
      at: ctx.clock.now(),
      kind: 'ACTIVATED',
      set: {
        activated_at: now(activatedAt),
        activation_source: source,
        activated_by: actor.kind === 'token' ? actor.tokenId : actor.kind === 'user' ? actor.id : null,
        activated_before_delivery: before ? 1 : 0,
        // a key used while only reserved never reaches that buyer: the unit loses it
        ...(key.state === 'RESERVED' ? { unit_id: null, buyer_id: null } : {}),
      },
      detail: `${source}${before ? ' before delivery' : ''} at ${now(activatedAt)}`,
      action: source === 'REDEEM' ? 'key.activated' : 'key.activation_reported',
      auditData: { activatedAt: now(activatedAt), activatedBeforeDelivery: before },
    });
    return toStatus({
      ...key,
      state: 'ACTIVATED',
      activated_at: now(activatedAt),
      activation_source: source,
      activated_before_delivery: before ? 1 : 0,
    });
  });
}

/** Redeem now: the issuer's system consumed the key. */
export function redeemKey(ctx: InventoryContext, actor: Actor, creds: Credentials): Promise<KeyStatus> {
  return activate(ctx, actor, creds, 'REDEEM', ctx.clock.now());
}

/** An activation made elsewhere, with its time: never before import, never in the future. */
export function reportActivation(
  ctx: InventoryContext,
  actor: Actor,
  creds: Credentials,
  activatedAt: Date,
): Promise<KeyStatus> {
  if (activatedAt.getTime() > ctx.clock.now().getTime())
    fail('registry.activation_in_future', { field: 'activatedAt' });
  return activate(ctx, actor, creds, 'REPORT', activatedAt);
}
