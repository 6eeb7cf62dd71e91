/**
 * The channel (淘宝 / 拼多多 / 闲鱼) calls the channel pages make: the merchant's connected shops,
 * their item mappings and orders, and the channel buyer's key lookup (no account). Typed by the
 * generated contract like every other call (../../api).
 */
import { client, noContent, ok } from '../../api/client';
import type { BodyOf, ItemOf, ResponseOf } from '../../api/contract';

export type ChannelShop = ResponseOf<'/api/merchant/channel-shops', 'post'>;
export type ChannelKind = ChannelShop['channel'];
export const CHANNEL_KIND_LIST: readonly ChannelKind[] = ['TAOBAO', 'PDD', 'XIANYU'];
export type ConnectShopInput = BodyOf<'/api/merchant/channel-shops', 'post'>;
export type ChannelItem = ResponseOf<'/api/merchant/channel-shops/{id}/items', 'get'>[number];
export type ItemMappingInput = BodyOf<'/api/merchant/channel-shops/{id}/items', 'put'>;
export type ChannelOrder = ResponseOf<'/api/merchant/channel-shops/{id}/orders', 'get'>[number];
export type ChannelRefund = ChannelOrder['refunds'][number];
export type LookupView = ResponseOf<'/api/lookup/{token}', 'get'>;
export type LookupUnit = LookupView['units'][number];
export type LookupInput = BodyOf<'/api/lookup', 'post'>;
export type LookupReveal = ResponseOf<'/api/lookup/{token}/reveal', 'post'>;
export type MerchantProduct = ItemOf<'/api/merchant/products', 'get'>;

export const SHOPS_KEY = ['channels', 'shops'] as const;
export const shopItemsKey = (id: string) => ['channels', 'shops', id, 'items'] as const;
export const shopOrdersKey = (id: string) => ['channels', 'shops', id, 'orders'] as const;
export const lookupKey = (token: string) => ['lookup', token] as const;

const shop = (id: string) => ({ params: { path: { id } } });

export const channelsApi = {
  shops: () => ok(client.GET('/api/merchant/channel-shops')),
  connect: (body: ConnectShopInput) => ok(client.POST('/api/merchant/channel-shops', { body })),
  disconnect: (id: string) => ok(client.DELETE('/api/merchant/channel-shops/{id}', shop(id))),
  reconcile: (id: string) => ok(client.POST('/api/merchant/channel-shops/{id}/reconcile', shop(id))),
  items: (id: string) => ok(client.GET('/api/merchant/channel-shops/{id}/items', shop(id))),
  mapItem: (id: string, body: ItemMappingInput) =>
    noContent(client.PUT('/api/merchant/channel-shops/{id}/items', { ...shop(id), body })),
  unmapItem: (id: string, itemId: string) =>
    noContent(
      client.DELETE('/api/merchant/channel-shops/{id}/items/{itemId}', {
        params: { path: { id, itemId } },
      }),
    ),
  orders: (id: string) => ok(client.GET('/api/merchant/channel-shops/{id}/orders', shop(id))),
  lookupByToken: (token: string) => ok(client.GET('/api/lookup/{token}', { params: { path: { token } } })),
  lookupByCode: (body: LookupInput) => ok(client.POST('/api/lookup', { body })),
  /** The secret: keep it in component state only (never in the query cache). */
  reveal: (token: string, unitId: string) =>
    ok(client.POST('/api/lookup/{token}/reveal', { params: { path: { token } }, body: { unitId } })),
};
