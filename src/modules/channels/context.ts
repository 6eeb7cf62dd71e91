/** What the channel use cases need: the app's data access, after-sales, and one connector per channel. */
import type { AppContext } from '../../platform/context.js';
import type { AfterSalesContext } from '../aftersales/index.js';
import type { ChannelConnector, ChannelKind } from './connector.js';

export type ChannelsContext = AppContext &
  AfterSalesContext & {
    connectors: Readonly<Record<ChannelKind, ChannelConnector>>;
    /** Where a channel buyer applies for a refund: the sandbox shop's order page, or the channel's. */
    refundUrlTemplate(channel: ChannelKind): string;
  };

export const CHANNEL_NAMES: Readonly<Record<ChannelKind, { zh: string; en: string }>> = {
  TAOBAO: { zh: '淘宝', en: 'Taobao' },
  PDD: { zh: '拼多多', en: 'Pinduoduo' },
  XIANYU: { zh: '闲鱼', en: 'Xianyu' },
};

/** The channels' own order pages, where their buyers apply for refunds ({orderId}: the channel's number). */
export const CHANNEL_REFUND_URLS: Readonly<Record<ChannelKind, string>> = {
  TAOBAO: 'https://buyertrade.taobao.com/trade/detail/trade_item_detail.htm?bizOrderId={orderId}',
  PDD: 'https://mobile.yangkeduo.com/order.html?order_sn={orderId}',
  XIANYU: 'https://www.goofish.com/order-detail?orderId={orderId}',
};
