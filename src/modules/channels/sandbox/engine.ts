/**
 * The sandbox channels as one object: the API server Kameng's connectors call (`transport`), the
 * clock's work (`tick`), and what the sandbox shop pages and the demo seed do — open a shop (its
 * credentials to paste into Kameng's connect form), list items, and act as a channel buyer or as
 * the channel's staff.
 */
import type { Clock } from '../../../platform/clock.js';
import { now, type Db } from '../../../platform/db/dialect.js';
import { fail } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { KeyVault } from '../../../platform/vault.js';
import type { ChannelKind, ShopCredentials } from '../connector.js';
import type { ChannelTransport } from '../connectors/index.js';
import type { ApiContext } from './api.js';
import { serveTaobao } from './api-taobao.js';
import { servePdd } from './api-pdd.js';
import { serveXianyu } from './api-xianyu.js';
import { deliverDue, emptyTickReport, expireTmc, type DeliverPush, type TickReport } from './outbox.js';
import { BUYER_PROFILES, type BuyerProfile } from './profiles.js';
import {
  DEFAULT_SETTINGS,
  digitsId,
  newCredentials,
  openSecrets,
  orderById,
  refundById,
  refundsOf,
  sealSecrets,
  shopById,
  type ShopSettings,
} from './store.js';
import { Trades, type PlaceOrderInput } from './trades.js';
import {
  itemView,
  messageView,
  orderView,
  refundView,
  shopView,
  type SandboxItemView,
  type SandboxMessageView,
  type SandboxOrderView,
  type SandboxRefundView,
  type SandboxShopView,
} from './views.js';

export interface SandboxChannelDeps {
  db: Db;
  clock: Clock;
  vault: KeyVault;
  deliver: DeliverPush;
}

export interface NewSandboxShop {
  channel: ChannelKind;
  name?: string;
  ownerUserId?: string | null;
  settings?: Partial<ShopSettings>;
}

export interface SandboxChannels {
  /** The channels' API servers: pass it to `createConnectors`. */
  readonly transport: ChannelTransport;
  readonly profiles: readonly BuyerProfile[];
  /** Runs what is due at `at`: refund timeouts and payouts, auto-confirm, TMC expiry, pushes. */
  tick(at?: Date): Promise<TickReport>;
  createShop(input: NewSandboxShop): Promise<{ shop: SandboxShopView; credentials: ShopCredentials }>;
  credentials(shopId: string): Promise<ShopCredentials>;
  updateSettings(shopId: string, patch: Partial<ShopSettings>): Promise<SandboxShopView>;
  createItem(shopId: string, input: { title: string; priceFen: number }): Promise<SandboxItemView>;
  /** A channel buyer places and pays an order (the profile decides how its messages behave). */
  placeOrder(input: PlaceOrderInput): Promise<SandboxOrderView>;
  confirmReceipt(orderId: string): Promise<SandboxOrderView>;
  requestRefund(orderId: string, input: { quantity: number; reason: string }): Promise<SandboxRefundView>;
  cancelRefund(refundId: string): Promise<SandboxRefundView>;
  /** 小二介入 / 平台介入, after the seller refused. */
  intervene(refundId: string): Promise<SandboxRefundView>;
  /** The channel's staff decide an intervened refund. */
  decide(refundId: string, refundBuyer: boolean): Promise<SandboxRefundView>;
  listShops(filter?: { ownerUserId?: string }): Promise<SandboxShopView[]>;
  shop(shopId: string): Promise<SandboxShopView>;
  items(shopId: string): Promise<SandboxItemView[]>;
  orders(shopId: string, limit?: number): Promise<SandboxOrderView[]>;
  order(orderId: string): Promise<SandboxOrderView>;
  refund(refundId: string): Promise<SandboxRefundView>;
  messages(filter: { shopId?: string; orderId?: string; limit?: number }): Promise<SandboxMessageView[]>;
}

const BATCH = 100;
const NAMES: Record<ChannelKind, string> = {
  TAOBAO: '沙箱淘宝店',
  PDD: '沙箱拼多多店',
  XIANYU: '沙箱闲鱼店',
};

export function createSandboxChannels(deps: SandboxChannelDeps): SandboxChannels {
  const { db, clock, vault } = deps;
  const trades = new Trades({ db, clock });
  const api: ApiContext = { db, clock, vault, trades };

  const transport: ChannelTransport = async (req) => {
    switch (req.channel) {
      case 'TAOBAO':
        return serveTaobao(api, req);
      case 'PDD':
        return servePdd(api, req);
      case 'XIANYU':
        return serveXianyu(api, req);
    }
  };

  const orderOf = async (orderId: string): Promise<SandboxOrderView> => {
    const o = await orderById(db, orderId);
    return orderView(await shopById(db, o.shop_id), o, await refundsOf(db, o.id));
  };
  const refundOf = async (refundId: string): Promise<SandboxRefundView> => {
    const r = await refundById(db, refundId);
    return refundView(await shopById(db, r.shop_id), r);
  };

  return {
    transport,
    profiles: BUYER_PROFILES,

    async tick(at = clock.now()) {
      const report = emptyTickReport();
      const dueRefunds = await db
        .selectFrom('sandbox_channel_refunds')
        .select('id')
        .where('state', 'in', ['WAIT_SELLER', 'REFUSED', 'AGREED'])
        .where('due_at', '<=', now(at))
        .orderBy('due_at')
        .limit(BATCH)
        .execute();
      for (const { id } of dueRefunds) {
        const outcome = await trades.refundDue(id, at);
        if (outcome === 'timedOut') report.refundsTimedOut++;
        else if (outcome === 'closed') report.refundsClosed++;
        else if (outcome === 'paid') report.refundsPaid++;
      }
      const dueOrders = await db
        .selectFrom('sandbox_channel_orders')
        .select('id')
        .where('state', '=', 'SHIPPED')
        .where('auto_finish_at', '<=', now(at))
        .orderBy('auto_finish_at')
        .limit(BATCH)
        .execute();
      for (const { id } of dueOrders) if (await trades.autoFinish(id, at)) report.ordersFinished++;
      report.expired = await expireTmc(db, at);
      await deliverDue(
        {
          db,
          vault,
          deliver: deps.deliver,
          onCheckReply: (refundId, answer, when) => trades.checkAnswered(refundId, answer, when),
        },
        at,
        report,
      );
      return report;
    },

    async createShop(input) {
      const at = clock.now();
      const id = newId();
      const c = newCredentials(input.channel);
      const defaults = DEFAULT_SETTINGS[input.channel];
      const s = { down: false, pushDelaySeconds: 0, ...defaults, ...input.settings };
      await db
        .insertInto('sandbox_channel_shops')
        .values({
          id,
          channel: input.channel,
          name: input.name?.trim() || NAMES[input.channel],
          seller_id: c.sellerId,
          app_key: c.appKey,
          sealed_secrets: await sealSecrets(vault, db, at, id, {
            appSecret: c.appSecret,
            sessionKey: c.sessionKey,
          }),
          owner_user_id: input.ownerUserId ?? null,
          notify_url: null,
          subscribed_at: null,
          down: s.down ? 1 : 0,
          push_delay_seconds: s.pushDelaySeconds,
          seller_answer_seconds: s.sellerAnswerSeconds,
          buyer_response_seconds: s.buyerResponseSeconds,
          auto_confirm_seconds: s.autoConfirmSeconds,
          version: 1,
          created_at: now(at),
          updated_at: now(at),
        })
        .execute();
      return {
        shop: shopView(await shopById(db, id)),
        credentials: { appKey: c.appKey, appSecret: c.appSecret, sessionKey: c.sessionKey },
      };
    },

    async credentials(shopId) {
      const shop = await shopById(db, shopId);
      const secrets = await openSecrets(vault, db, shop);
      return { appKey: shop.app_key, appSecret: secrets.appSecret, sessionKey: secrets.sessionKey };
    },

    async updateSettings(shopId, patch) {
      const shop = await shopById(db, shopId);
      const at = clock.now();
      const res = await db
        .updateTable('sandbox_channel_shops')
        .set({
          ...(patch.down === undefined ? {} : { down: patch.down ? 1 : 0 }),
          ...(patch.pushDelaySeconds === undefined ? {} : { push_delay_seconds: patch.pushDelaySeconds }),
          ...(patch.sellerAnswerSeconds === undefined
            ? {}
            : { seller_answer_seconds: patch.sellerAnswerSeconds }),
          ...(patch.buyerResponseSeconds === undefined
            ? {}
            : { buyer_response_seconds: patch.buyerResponseSeconds }),
          ...(patch.autoConfirmSeconds === undefined
            ? {}
            : { auto_confirm_seconds: patch.autoConfirmSeconds }),
          version: shop.version + 1,
          updated_at: now(at),
        })
        .where('id', '=', shop.id)
        .where('version', '=', shop.version)
        .executeTakeFirst();
      if (res.numUpdatedRows !== 1n) fail('request.conflict');
      return shopView(await shopById(db, shop.id));
    },

    async createItem(shopId, input) {
      const shop = await shopById(db, shopId);
      const at = clock.now();
      const row = {
        id: digitsId(12), // a num_iid / goods_id / item id
        shop_id: shop.id,
        title: input.title,
        price_fen: input.priceFen,
        created_at: now(at),
      };
      await db.insertInto('sandbox_channel_items').values(row).execute();
      return itemView(row);
    },

    placeOrder: async (input) => orderOf((await trades.placeOrder(input)).id),
    confirmReceipt: async (orderId) => orderOf((await trades.confirmReceipt(orderId)).id),
    requestRefund: async (orderId, input) => refundOf((await trades.requestRefund(orderId, input)).id),
    cancelRefund: async (refundId) => refundOf((await trades.cancelRefund(refundId)).id),
    intervene: async (refundId) => refundOf((await trades.intervene(refundId)).id),
    decide: async (refundId, refundBuyer) => refundOf((await trades.staffDecide(refundId, refundBuyer)).id),

    async listShops(filter = {}) {
      const rows = await db
        .selectFrom('sandbox_channel_shops')
        .selectAll()
        .$if(filter.ownerUserId !== undefined, (q) => q.where('owner_user_id', '=', filter.ownerUserId ?? ''))
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(shopView);
    },
    shop: async (shopId) => shopView(await shopById(db, shopId)),
    async items(shopId) {
      const rows = await db
        .selectFrom('sandbox_channel_items')
        .selectAll()
        .where('shop_id', '=', shopId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(itemView);
    },
    async orders(shopId, limit = 100) {
      const shop = await shopById(db, shopId);
      const orders = await db
        .selectFrom('sandbox_channel_orders')
        .selectAll()
        .where('shop_id', '=', shop.id)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute();
      const refunds =
        orders.length === 0
          ? []
          : await db
              .selectFrom('sandbox_channel_refunds')
              .selectAll()
              .where(
                'order_id',
                'in',
                orders.map((o) => o.id),
              )
              .orderBy('created_at')
              .orderBy('id')
              .execute();
      return orders.map((o) =>
        orderView(
          shop,
          o,
          refunds.filter((r) => r.order_id === o.id),
        ),
      );
    },
    order: orderOf,
    refund: refundOf,
    async messages(filter) {
      const rows = await db
        .selectFrom('sandbox_channel_messages')
        .selectAll()
        .$if(filter.shopId !== undefined, (q) => q.where('shop_id', '=', filter.shopId ?? ''))
        .$if(filter.orderId !== undefined, (q) => q.where('order_id', '=', filter.orderId ?? ''))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100)
        .execute();
      return rows.map(messageView);
    },
  };
}
