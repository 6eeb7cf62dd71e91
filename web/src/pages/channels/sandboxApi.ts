/**
 * The sandbox channel shop calls (/api/sandbox/channels/…, only when the sandbox is on: otherwise
 * every one answers 404). Owner calls need a merchant (or admin) session; the channel buyer's —
 * storefront, placing an order, the order, its refunds — are public; staff decisions need support
 * or an admin.
 */
import { client, ok } from '../../api/client';
import type { BodyOf, ResponseOf } from '../../api/contract';

export type SandboxShop = ResponseOf<'/api/sandbox/channels/shops', 'post'>['shop'];
export type SandboxCredentials = ResponseOf<'/api/sandbox/channels/shops', 'post'>['credentials'];
export type SandboxStorefront = ResponseOf<'/api/sandbox/channels/shops/{id}/storefront', 'get'>;
export type SandboxItem = SandboxStorefront['items'][number];
export type SandboxProfile = SandboxStorefront['profiles'][number];
export type SandboxOrder = ResponseOf<'/api/sandbox/channels/orders/{id}', 'get'>;
export type SandboxRefund = SandboxOrder['refunds'][number];
export type SandboxMessage = ResponseOf<'/api/sandbox/channels/shops/{id}/messages', 'get'>['items'][number];
export type CreateSandboxShopInput = BodyOf<'/api/sandbox/channels/shops', 'post'>;
export type PlaceOrderInput = BodyOf<'/api/sandbox/channels/shops/{id}/orders', 'post'>;
export type RefundRequestInput = BodyOf<'/api/sandbox/channels/orders/{id}/refunds', 'post'>;

const path = (id: string) => ({ params: { path: { id } } });

export const sandboxApi = {
  shops: async () => (await ok(client.GET('/api/sandbox/channels/shops'))).items,
  createShop: (body: CreateSandboxShopInput) => ok(client.POST('/api/sandbox/channels/shops', { body })),
  storefront: (shopId: string) => ok(client.GET('/api/sandbox/channels/shops/{id}/storefront', path(shopId))),
  createItem: (shopId: string, body: { title: string; priceFen: number }) =>
    ok(client.POST('/api/sandbox/channels/shops/{id}/items', { ...path(shopId), body })),
  orders: async (shopId: string) =>
    (await ok(client.GET('/api/sandbox/channels/shops/{id}/orders', path(shopId)))).items,
  messages: async (shopId: string) =>
    (await ok(client.GET('/api/sandbox/channels/shops/{id}/messages', path(shopId)))).items,
  order: (orderId: string) => ok(client.GET('/api/sandbox/channels/orders/{id}', path(orderId))),
  placeOrder: (shopId: string, body: PlaceOrderInput) =>
    ok(client.POST('/api/sandbox/channels/shops/{id}/orders', { ...path(shopId), body })),
  confirmReceipt: (orderId: string) =>
    ok(client.POST('/api/sandbox/channels/orders/{id}/confirm-receipt', path(orderId))),
  requestRefund: (orderId: string, body: RefundRequestInput) =>
    ok(client.POST('/api/sandbox/channels/orders/{id}/refunds', { ...path(orderId), body })),
  cancelRefund: (refundId: string) =>
    ok(client.POST('/api/sandbox/channels/refunds/{id}/cancel', path(refundId))),
  intervene: (refundId: string) =>
    ok(client.POST('/api/sandbox/channels/refunds/{id}/intervene', path(refundId))),
  decide: (refundId: string, refund: boolean) =>
    ok(client.POST('/api/sandbox/channels/refunds/{id}/decide', { ...path(refundId), body: { refund } })),
};

export const sandboxKeys = {
  all: ['sandbox-channels'] as const,
  shops: ['sandbox-channels', 'shops'] as const,
  storefront: (shopId: string) => ['sandbox-channels', 'storefront', shopId] as const,
  orders: (shopId: string) => ['sandbox-channels', 'orders', shopId] as const,
  order: (orderId: string) => ['sandbox-channels', 'order', orderId] as const,
  messages: (shopId: string) => ['sandbox-channels', 'messages', shopId] as const,
};
