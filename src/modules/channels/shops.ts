/**
 * Connected shops (spec §11). A merchant pastes its channel app's credentials; the connector checks
 * them with the channel and subscribes the shop's messages before anything is stored. The secrets
 * are sealed by the key vault (bound to the shop's id) and only ever shown masked. Each shop gets
 * its channel buyer: a user row nobody can log in as (DISABLED, an unknown password) that owns the
 * shop's channel orders, their units and refund requests, so every rule that asks "whose unit is
 * this?" has an answer.
 */
import { z } from 'zod';
import type { UserActor } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import { constraintKind, now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newId, randomToken } from '../../platform/ids.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { hashPassword } from '../accounts/index.js';
import { CHANNEL_KINDS, type ChannelKind, type ShopCredentials, type ShopRef } from './connector.js';
import { CHANNEL_NAMES, type ChannelsContext } from './context.js';

export const connectShopSchema = z.strictObject({
  channel: z.enum(CHANNEL_KINDS as [ChannelKind, ...ChannelKind[]]),
  appKey: z.string().trim().min(4).max(64),
  appSecret: z.string().trim().min(8).max(128),
  /** Taobao session key / PDD access_token; 闲鱼 needs none. */
  sessionKey: z.string().trim().min(4).max(256).nullable().default(null),
});
export type ConnectShopInput = z.infer<typeof connectShopSchema>;

export const shopViewSchema = z.object({
  id: z.string(),
  channel: z.enum(CHANNEL_KINDS as [ChannelKind, ...ChannelKind[]]),
  name: z.string(),
  channelShopId: z.string(),
  credentialsMasked: z.string(),
  status: z.enum(['ACTIVE', 'DISCONNECTED']),
  notifyUrl: z.string(),
  reconciledUntil: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
});
export type ShopView = z.infer<typeof shopViewSchema>;

const aad = (shopId: string) => `channel-shop:${shopId}`;

/** `2a3b…9f`: enough to recognise a key, never enough to use it. */
export function mask(value: string): string {
  if (value.length <= 6) return '••••';
  return `${value.slice(0, 3)}••••${value.slice(-2)}`;
}

export const notifyPath = (shopId: string) => `/api/channels/notify/${shopId}`;

export function shopView(ctx: Pick<ChannelsContext, 'config'>, s: Row<'channel_shops'>): ShopView {
  return {
    id: s.id,
    channel: s.channel,
    name: s.name,
    channelShopId: s.channel_shop_id,
    credentialsMasked: s.credentials_masked,
    status: s.status,
    notifyUrl: `${ctx.config.publicUrl ?? ''}${notifyPath(s.id)}`,
    reconciledUntil: s.reconciled_until,
    lastError: s.last_error,
    createdAt: s.created_at,
  };
}

function merchantOf(actor: UserActor): string {
  if (actor.role !== 'merchant' || !actor.merchantId) fail('auth.forbidden');
  return actor.merchantId;
}

/** The merchant's own shop, or the shop's 404 (another merchant's shop does not exist for it). */
export async function ownShop(db: Db, actor: UserActor, shopId: string): Promise<Row<'channel_shops'>> {
  const merchantId = merchantOf(actor);
  const shop = await db.selectFrom('channel_shops').selectAll().where('id', '=', shopId).executeTakeFirst();
  if (!shop || shop.merchant_id !== merchantId) fail('channel.shop_not_found');
  return shop;
}

export async function listShops(ctx: ChannelsContext, actor: UserActor): Promise<ShopView[]> {
  const rows = await ctx.db
    .selectFrom('channel_shops')
    .selectAll()
    .where('merchant_id', '=', merchantOf(actor))
    .orderBy('created_at')
    .execute();
  return rows.map((r) => shopView(ctx, r));
}

/** A shop with its credentials unsealed, for a connector call. */
export async function shopRef(
  ctx: Pick<ChannelsContext, 'vault' | 'db'>,
  shop: Row<'channel_shops'>,
): Promise<ShopRef> {
  const plain = await ctx.vault.openBlob(ctx.db, aad(shop.id), shop.credentials_sealed);
  return {
    id: shop.id,
    channel: shop.channel,
    channelShopId: shop.channel_shop_id,
    credentials: JSON.parse(plain.toString('utf8')) as ShopCredentials,
  };
}

export async function connectShop(
  ctx: ChannelsContext,
  actor: UserActor,
  input: ConnectShopInput,
): Promise<ShopView> {
  const merchantId = merchantOf(actor);
  const credentials: ShopCredentials = {
    appKey: input.appKey,
    appSecret: input.appSecret,
    sessionKey: input.sessionKey,
  };
  // Real channels push to, and link buyers back to, the public address: it must be known.
  if (!ctx.config.publicUrl && !ctx.config.sandboxGateways) fail('channel.public_url_required');
  // A shop this merchant connected before (the same app key) is connected again under its id, the
  // one the channel pushes to; one connected by another merchant cannot be taken over.
  const before = await ctx.db
    .selectFrom('channel_shops')
    .select('id')
    .where('merchant_id', '=', merchantId)
    .where('channel', '=', input.channel)
    .where('app_key', '=', input.appKey)
    .executeTakeFirst();
  const id = before?.id ?? newId();
  const connector = ctx.connectors[input.channel];
  // The channel checks the credentials before anything is stored (wrong secret: 422).
  const found = await connector.subscribe(
    { id, channel: input.channel, credentials },
    `${ctx.config.publicUrl ?? ''}${notifyPath(id)}`,
  );
  const existing = await ctx.db
    .selectFrom('channel_shops')
    .selectAll()
    .where('channel', '=', input.channel)
    .where('channel_shop_id', '=', found.channelShopId)
    .executeTakeFirst();
  if (existing && existing.merchant_id !== merchantId) fail('channel.shop_taken');
  // The same seller under a new app key: subscribed again under the stored shop's id.
  if (existing && existing.id !== id)
    await connector.subscribe(
      { id: existing.id, channel: input.channel, credentials },
      `${ctx.config.publicUrl ?? ''}${notifyPath(existing.id)}`,
    );
  const masked = [
    `AppKey ${mask(input.appKey)}`,
    `Secret ${mask(input.appSecret)}`,
    ...(input.sessionKey ? [`Session ${mask(input.sessionKey)}`] : []),
  ].join(' · ');
  const passwordHash = await hashPassword(randomToken(32)); // nobody knows it; the row is DISABLED too
  try {
    return await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      if (existing) {
        const sealed = await ctx.vault.sealBlob(
          trx,
          at,
          aad(existing.id),
          Buffer.from(JSON.stringify(credentials)),
        );
        const row = await trx
          .updateTable('channel_shops')
          .set({
            credentials_sealed: sealed,
            credentials_masked: masked,
            app_key: input.appKey,
            name: found.shopName,
            status: 'ACTIVE',
            last_error: null,
            version: existing.version + 1,
            updated_at: now(at),
          })
          .where('id', '=', existing.id)
          .where('version', '=', existing.version)
          .returningAll()
          .executeTakeFirst();
        if (!row) fail('request.conflict');
        await appendAudit(trx, {
          actor,
          action: 'channel_shop.reconnected',
          objectType: 'channel_shop',
          objectId: existing.id,
          data: { channel: input.channel, channelShopId: found.channelShopId, credentials: masked },
          at,
        });
        return shopView(ctx, row);
      }
      const buyerId = newId();
      const names = CHANNEL_NAMES[input.channel];
      await trx
        .insertInto('users')
        .values({
          id: buyerId,
          // ≤ 32 characters (a CHECK); ':' is not allowed in registered usernames, so never taken
          username: `channel:${id.replace(/-/g, '').slice(0, 24)}`,
          username_key: `channel:${id.replace(/-/g, '').slice(0, 24)}`,
          password_hash: passwordHash,
          display_name: `${names.zh}买家 · ${found.shopName}`.slice(0, 60),
          email: null,
          phone: null,
          role: 'buyer',
          member_level: 'REGULAR',
          level_expires_at: null,
          status: 'DISABLED',
          channel_shop_id: id,
          version: 1,
          created_at: now(at),
          updated_at: now(at),
        })
        .execute();
      const row: Row<'channel_shops'> = {
        id,
        merchant_id: merchantId,
        channel: input.channel,
        name: found.shopName,
        channel_shop_id: found.channelShopId,
        app_key: input.appKey,
        credentials_sealed: await ctx.vault.sealBlob(
          trx,
          at,
          aad(id),
          Buffer.from(JSON.stringify(credentials)),
        ),
        credentials_masked: masked,
        buyer_user_id: buyerId,
        status: 'ACTIVE',
        refund_url_template: ctx.refundUrlTemplate(input.channel),
        // Reconciliation looks back from the moment the shop was connected.
        reconciled_until: now(at),
        last_error: null,
        version: 1,
        created_by: actor.id,
        created_at: now(at),
        updated_at: now(at),
      };
      await trx.insertInto('channel_shops').values(row).execute();
      await appendAudit(trx, {
        actor,
        action: 'channel_shop.connected',
        objectType: 'channel_shop',
        objectId: id,
        data: { channel: input.channel, channelShopId: found.channelShopId, credentials: masked },
        at,
      });
      return shopView(ctx, row);
    });
  } catch (error) {
    if (constraintKind(error) === 'unique') fail('channel.shop_taken');
    throw error;
  }
}

/** Disconnecting stops delivery and polling; orders already delivered keep their lookups. */
export async function disconnectShop(
  ctx: ChannelsContext,
  actor: UserActor,
  shopId: string,
): Promise<ShopView> {
  return unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const shop = await ownShop(trx, actor, shopId);
    const row = await trx
      .updateTable('channel_shops')
      .set({ status: 'DISCONNECTED', version: shop.version + 1, updated_at: now(at) })
      .where('id', '=', shop.id)
      .where('version', '=', shop.version)
      .returningAll()
      .executeTakeFirst();
    if (!row) fail('request.conflict');
    await appendAudit(trx, {
      actor,
      action: 'channel_shop.disconnected',
      objectType: 'channel_shop',
      objectId: shop.id,
      data: { channel: shop.channel },
      at,
    });
    return shopView(ctx, row);
  });
}

export const itemMappingSchema = z.strictObject({
  channelItemId: z.string().trim().min(1).max(64),
  productId: z.string().trim().min(1).max(64),
});

export const itemViewSchema = z.object({
  channelItemId: z.string(),
  productId: z.string(),
  productName: z.string(),
  createdAt: z.string(),
});

export async function listItems(ctx: ChannelsContext, actor: UserActor, shopId: string) {
  const shop = await ownShop(ctx.db, actor, shopId);
  const rows = await ctx.db
    .selectFrom('channel_items')
    .innerJoin('products', 'products.id', 'channel_items.product_id')
    .select([
      'channel_items.channel_item_id',
      'channel_items.product_id',
      'products.name',
      'channel_items.created_at',
    ])
    .where('channel_items.shop_id', '=', shop.id)
    .orderBy('channel_items.created_at')
    .execute();
  return rows.map((r) => ({
    channelItemId: r.channel_item_id,
    productId: r.product_id,
    productName: r.name,
    createdAt: r.created_at,
  }));
}

/** Maps (or re-maps) a channel item to one of the merchant's own products. */
export async function mapItem(
  ctx: ChannelsContext,
  actor: UserActor,
  shopId: string,
  input: z.infer<typeof itemMappingSchema>,
): Promise<void> {
  await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const shop = await ownShop(trx, actor, shopId);
    const product = await trx
      .selectFrom('products')
      .select(['id', 'merchant_id'])
      .where('id', '=', input.productId)
      .executeTakeFirst();
    if (!product || product.merchant_id !== shop.merchant_id)
      fail('catalog.product_not_found', { field: 'productId' });
    await trx
      .deleteFrom('channel_items')
      .where('shop_id', '=', shop.id)
      .where('channel_item_id', '=', input.channelItemId)
      .execute();
    await trx
      .insertInto('channel_items')
      .values({
        shop_id: shop.id,
        channel_item_id: input.channelItemId,
        product_id: product.id,
        created_by: actor.id,
        created_at: now(at),
      })
      .execute();
    await appendAudit(trx, {
      actor,
      action: 'channel_item.mapped',
      objectType: 'channel_shop',
      objectId: shop.id,
      data: { channelItemId: input.channelItemId, productId: product.id },
      at,
    });
  });
}

export async function unmapItem(ctx: ChannelsContext, actor: UserActor, shopId: string, itemId: string) {
  await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const shop = await ownShop(trx, actor, shopId);
    await trx
      .deleteFrom('channel_items')
      .where('shop_id', '=', shop.id)
      .where('channel_item_id', '=', itemId)
      .execute();
    await appendAudit(trx, {
      actor,
      action: 'channel_item.unmapped',
      objectType: 'channel_shop',
      objectId: shop.id,
      data: { channelItemId: itemId },
      at,
    });
  });
}
