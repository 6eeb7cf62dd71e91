/**
 * Demo channel shops (Stage 7), seeded once: merchant `xingchen` has a sandbox 淘宝, 拼多多 and 闲鱼
 * shop connected — with the credentials the sandbox issued, exactly as a merchant would paste them —
 * each selling its first product, and one 淘宝 buyer has paid for an order the sweeper delivers a
 * moment after start, so /merchant/channels, /sandbox/shop and the lookup page have something to
 * show on a fresh `npm start`.
 */
import type { UserActor } from '../../platform/actor.js';
import { now, toJson } from '../../platform/db/dialect.js';
import {
  CHANNEL_KINDS,
  connectShop,
  mapChannelItem,
  type ChannelsContext,
  type SandboxChannels,
} from '../channels/index.js';

export async function seedDemoChannels(
  ctx: ChannelsContext,
  sandbox: SandboxChannels | null,
): Promise<boolean> {
  if (!sandbox) return false;
  const merchant = await ctx.db
    .selectFrom('users')
    .innerJoin('merchants', 'merchants.owner_user_id', 'users.id')
    .select(['users.id', 'merchants.id as merchant_id'])
    .where('users.username', '=', 'xingchen')
    .executeTakeFirst();
  const product = merchant
    ? await ctx.db
        .selectFrom('products')
        .innerJoin('product_prices', 'product_prices.product_id', 'products.id')
        .select(['products.id', 'products.name', 'product_prices.price_fen'])
        .where('products.merchant_id', '=', merchant.merchant_id)
        .where('product_prices.level', '=', 'REGULAR')
        .orderBy('products.created_at')
        .executeTakeFirst()
    : undefined;
  if (!merchant || !product) return false;
  const claimed = await ctx.db
    .insertInto('settings')
    .values({ key: 'demo_channels_seeded', value: toJson(true), updated_at: now(ctx.clock.now()) })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
  const actor: UserActor = {
    kind: 'user',
    id: merchant.id,
    role: 'merchant',
    memberLevel: 'REGULAR',
    merchantId: merchant.merchant_id,
  };
  for (const channel of CHANNEL_KINDS) {
    const { shop, credentials } = await sandbox.createShop({ channel, ownerUserId: merchant.id });
    const connected = await connectShop(ctx, actor, {
      channel,
      appKey: credentials.appKey,
      appSecret: credentials.appSecret,
      sessionKey: credentials.sessionKey,
    });
    const item = await sandbox.createItem(shop.id, { title: product.name, priceFen: product.price_fen });
    await mapChannelItem(ctx, actor, connected.id, { channelItemId: item.id, productId: product.id });
    if (channel === 'TAOBAO')
      await sandbox.placeOrder({
        shopId: shop.id,
        itemId: item.id,
        quantity: 1,
        buyerNick: 'tb演示买家',
        profile: 'normal',
      });
  }
  return true;
}
