/** Channels: Taobao / Pinduoduo / 闲鱼 shops, their orders delivered through Kameng, their refunds under both rule sets, and the key lookup without an account. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { CHANNEL_KINDS } from './connector.js';
export type {
  ChannelConnector,
  ChannelEvent,
  ChannelKind,
  DeliveryConfirmation,
  IncomingPush,
  PulledMessage,
  RefundAnswer,
  ShopRef,
} from './connector.js';
export { CHANNEL_REFUND_URLS, type ChannelsContext } from './context.js';
export { recordAnswer, resendAnswers } from './answers.js';
export { resendDeliveries } from './delivery.js';
export { reconcileAll, reconcileShop } from './inbox.js';
export { channelRoutes } from './routes.js';
export { connectShop, mapItem as mapChannelItem } from './shops.js';
export { createConnectors, type ChannelTransport } from './connectors/index.js';
export { createSandboxChannels, sandboxChannelRoutes, type SandboxChannels } from './sandbox/index.js';
export { fetchTransport } from './transport.js';
export { pruneLookupThrottle } from './lookup.js';
