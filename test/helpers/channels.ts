/**
 * A scripted channel for testing Kameng's side of channel orders on its own: events are pushed
 * through the real notify route (signed with the shop's secret), pulled like TMC, or found by
 * polling — whatever the test scripts — and every delivery confirmation and refund answer Kameng
 * sends is recorded. The sandbox channels (src/modules/channels/sandbox) are tested separately.
 */
import { createHmac } from 'node:crypto';
import type { Harness } from './app.js';
import type {
  ChannelConnector,
  ChannelEvent,
  ChannelKind,
  DeliveryConfirmation,
  IncomingPush,
  PulledMessage,
  RefundAnswer,
  ShopRef,
} from '../../src/modules/channels/index.js';
import { fail } from '../../src/platform/errors.js';

type Wire = Omit<ChannelEvent, 'modifiedAt' | 'paidAt'> & { modifiedAt: string; paidAt?: string | null };

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

export class FakeChannel implements ChannelConnector {
  readonly deliveries: DeliveryConfirmation[] = [];
  readonly answers: RefundAnswer[] = [];
  readonly queue: PulledMessage[] = [];
  readonly changed: ChannelEvent[] = [];
  down = false;
  constructor(readonly channel: ChannelKind) {}

  async subscribe(shop: Omit<ShopRef, 'channelShopId'>) {
    if (shop.credentials.appSecret === 'wrong-secret') fail('channel.credentials_rejected');
    return {
      channelShopId: `seller-${shop.credentials.appKey}`,
      shopName: `店铺 ${shop.credentials.appKey}`,
    };
  }
  verifyPush(shop: ShopRef, push: IncomingPush): ChannelEvent[] {
    if (push.headers['x-sign'] !== sign(shop.credentials.appSecret, push.rawBody))
      fail('channel.push_forged');
    return (JSON.parse(push.rawBody) as Wire[]).map(revive);
  }
  ack(ok: boolean) {
    return { status: ok ? 200 : 500, contentType: 'application/json', body: JSON.stringify({ success: ok }) };
  }
  async consume(_shop: ShopRef, max: number) {
    if (this.down) fail('channel.unavailable');
    return this.queue.slice(0, max);
  }
  async confirm(_shop: ShopRef, ids: string[]) {
    for (const id of ids) {
      const i = this.queue.findIndex((m) => m.id === id);
      if (i >= 0) this.queue.splice(i, 1);
    }
  }
  async confirmDelivery(_shop: ShopRef, input: DeliveryConfirmation) {
    if (this.down) fail('channel.unavailable');
    this.deliveries.push(input);
  }
  async answerRefund(_shop: ShopRef, input: RefundAnswer) {
    if (this.down) fail('channel.unavailable');
    this.answers.push(input);
  }
  async listChanged(_shop: ShopRef, from: Date, to: Date) {
    if (this.down) fail('channel.unavailable');
    return this.changed.filter((e) => e.modifiedAt >= from && e.modifiedAt < to);
  }
  verifyRefundCheck() {
    return null;
  }
  refundCheckReply() {
    return { status: 200, contentType: 'application/json', body: '{}' };
  }
}

const revive = (w: Wire): ChannelEvent =>
  w.type === 'ORDER'
    ? ({
        ...w,
        modifiedAt: new Date(w.modifiedAt),
        paidAt: w.paidAt ? new Date(w.paidAt) : null,
      } as ChannelEvent)
    : ({ ...w, modifiedAt: new Date(w.modifiedAt) } as ChannelEvent);

/** Installs fake connectors for every channel in the app (the sandbox ones are replaced). */
export function fakeChannels(h: Harness): Record<ChannelKind, FakeChannel> {
  const fakes = {
    TAOBAO: new FakeChannel('TAOBAO'),
    PDD: new FakeChannel('PDD'),
    XIANYU: new FakeChannel('XIANYU'),
  };
  h.app.kameng.channels.connectors = fakes;
  return fakes;
}

/** POSTs events to the shop's notify route as the channel would, signed with `secret`. */
export async function push(h: Harness, shopId: string, secret: string, events: ChannelEvent[]) {
  const body = JSON.stringify(events);
  return h.app.inject({
    method: 'POST',
    url: `/api/channels/notify/${shopId}`,
    headers: { 'content-type': 'application/json', 'x-sign': sign(secret, body) },
    payload: body,
  });
}

let seq = 0;
export function orderEvent(
  itemId: string,
  quantity: number,
  at: Date,
  over: Partial<Extract<ChannelEvent, { type: 'ORDER' }>> = {},
): Extract<ChannelEvent, { type: 'ORDER' }> {
  return {
    type: 'ORDER',
    channelOrderId: `T${Date.now()}${++seq}`,
    status: 'PAID',
    rawStatus: 'WAIT_SELLER_SEND_GOODS',
    lines: [{ channelItemId: itemId, title: '点卡', quantity, unitPriceFen: 990 }],
    totalFen: 990 * quantity,
    buyerRef: 't**1',
    paidAt: at,
    modifiedAt: at,
    ...over,
  };
}

export function refundEvent(
  channelOrderId: string,
  status: Extract<ChannelEvent, { type: 'REFUND' }>['status'],
  at: Date,
  over: Partial<Extract<ChannelEvent, { type: 'REFUND' }>> = {},
): Extract<ChannelEvent, { type: 'REFUND' }> {
  return {
    type: 'REFUND',
    channelRefundId: `R-${channelOrderId}`,
    channelOrderId,
    status,
    rawStatus: status,
    quantity: 1,
    amountFen: 990,
    reason: '不想要了',
    decidedBy: null,
    phase: 'ONSALE',
    modifiedAt: at,
    ...over,
  };
}
