/**
 * The sandbox channels: simulated Taobao, Pinduoduo and 闲鱼 shops that behave, as far as Kameng
 * can tell, like the real services — signed APIs, TMC, pushes, 二次校验, duplicates, reordering,
 * losses and channel-side timeouts. The app makes one with `createSandboxChannels`, passes its
 * `transport` to `createConnectors`, calls `tick` from the sweeper and mounts
 * `sandboxChannelRoutes` (prefix `/api`) for the sandbox shop pages.
 */
export {
  createSandboxChannels,
  type NewSandboxShop,
  type SandboxChannelDeps,
  type SandboxChannels,
} from './engine.js';
export { sandboxChannelRoutes } from './routes.js';
export {
  BUYER_PROFILES,
  BUYER_PROFILE_IDS,
  findProfile,
  type BuyerProfile,
  type BuyerProfileId,
} from './profiles.js';
export type { DeliverPush, TickReport } from './outbox.js';
export type { ShopSettings } from './store.js';
export type { PlaceOrderInput } from './trades.js';
export type {
  SandboxItemView,
  SandboxMessageView,
  SandboxOrderView,
  SandboxRefundView,
  SandboxShopView,
} from './views.js';
