/**
 * Kameng's connectors to Taobao (TOP + TMC), Pinduoduo and 闲鱼 (闲管家), behind the
 * `ChannelConnector` contract (../connector.ts). They speak HTTP through a `ChannelTransport`:
 * a real deployment passes a fetch-based one with the real gateway URLs; the app passes the
 * sandbox channels' transport, which answers exactly as the connectors expect the real services
 * to. The clock is the app's (the test clock in tests and demos): every request carries a
 * timestamp the channel checks against its own clock.
 */
import type { Clock } from '../../../platform/clock.js';
import type { ChannelConnector, ChannelKind } from '../connector.js';
import type { ChannelTransport, ConnectorDeps } from './http.js';
import { TaobaoConnector } from './taobao.js';
import { PddConnector } from './pdd.js';
import { XianyuConnector } from './xianyu.js';

/** The real gateways (TOP router, PDD router, 闲管家 open API). */
export const CHANNEL_GATEWAYS: Readonly<Record<ChannelKind, string>> = {
  TAOBAO: 'https://eco.taobao.com/router/rest',
  PDD: 'https://gw-api.pinduoduo.com/api/router',
  XIANYU: 'https://open.goofish.pro',
};

/**
 * One connector per channel. `clock` must be the app's clock: the channels refuse requests
 * whose timestamp is too far from theirs (TOP: 10 minutes).
 */
export function createConnectors(
  transport: ChannelTransport,
  clock: Clock,
  gateways: Partial<Record<ChannelKind, string>> = {},
): Record<ChannelKind, ChannelConnector> {
  const deps: ConnectorDeps = { transport, clock };
  const url = (k: ChannelKind): string => gateways[k] ?? CHANNEL_GATEWAYS[k];
  return {
    TAOBAO: new TaobaoConnector(deps, url('TAOBAO')),
    PDD: new PddConnector(deps, url('PDD')),
    XIANYU: new XianyuConnector(deps, url('XIANYU')),
  };
}

export { TaobaoConnector, PddConnector, XianyuConnector };
export { PUSH_WINDOW_SECONDS, type ChannelTransport } from './http.js';
