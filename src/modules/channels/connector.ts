/**
 * The channel-connector interface (spec §11). Kameng talks to Taobao, Pinduoduo and 闲鱼 only
 * through this, so a real adapter (TOP SDK, PDD open platform, 闲管家) can replace a sandbox one
 * without touching orders or after-sales. Contract, as the real channels have it:
 *
 * - Messages arrive at least once, in any order, and sometimes not at all: by push (PDD, 闲鱼: a
 *   signed HTTP POST to `/api/channels/notify/:shopId`), by pull (Taobao TMC: `consume` then
 *   `confirm` each message id, or it comes again), and always by incremental polling
 *   (`listChanged`), which is what recovers a lost message. Kameng applies every event
 *   idempotently and keeps the newest state by the channel's `modifiedAt`.
 * - Every call is authenticated the channel's own way (TOP/PDD: MD5 sign over sorted params with
 *   the app secret; 闲鱼: MD5 over app key, body digest, timestamp and secret). A push whose
 *   signature, timestamp window or shop does not check out throws `channel.push_forged` and
 *   changes nothing.
 * - Kameng writes its own row first and passes its id as the idempotency key where the channel
 *   has one; calling again (after a timeout) must not ship or answer twice.
 * - A channel that cannot be reached throws `channel.unavailable`; the caller keeps its row and
 *   retries later.
 * - Amounts are integer fen, CNY; times are `Date`s.
 */

export type ChannelKind = 'TAOBAO' | 'PDD' | 'XIANYU';
export const CHANNEL_KINDS: readonly ChannelKind[] = ['TAOBAO', 'PDD', 'XIANYU'];

/** The secrets a merchant pastes in when connecting a shop (stored sealed, shown masked). */
export interface ShopCredentials {
  appKey: string;
  appSecret: string;
  /** Taobao's session key / PDD's access_token (the seller's authorisation); 闲鱼 has none. */
  sessionKey: string | null;
}

/** A connected shop as a connector needs it (credentials already unsealed). */
export interface ShopRef {
  /** Kameng's id of the connected shop (`channel_shops.id`). */
  id: string;
  channel: ChannelKind;
  /** The seller/mall id on the channel. */
  channelShopId: string;
  credentials: ShopCredentials;
}

/** One line of a channel order: a channel item (mapped to a Kameng product) and how many. */
export interface ChannelOrderLine {
  channelItemId: string;
  title: string;
  quantity: number;
  unitPriceFen: number;
}

/** Normalised channel order states; `rawStatus` keeps the channel's own word. */
export type ChannelOrderStatus = 'PAID' | 'SHIPPED' | 'FINISHED' | 'CLOSED';

export interface ChannelOrderEvent {
  type: 'ORDER';
  channelOrderId: string;
  status: ChannelOrderStatus;
  rawStatus: string;
  /** Kameng delivers one line per order (a multi-line order is refused as unsupported). */
  lines: ChannelOrderLine[];
  totalFen: number;
  /** An opaque, masked buyer reference (nick, open id) — never a phone number. */
  buyerRef: string;
  paidAt: Date | null;
  modifiedAt: Date;
}

/**
 * Normalised refund states:
 * REQUESTED (buyer asked; Taobao WAIT_SELLER_AGREE, PDD 待商家处理, 闲鱼 退款申请中),
 * REFUSED (seller refused; Taobao SELLER_REFUSE_BUYER),
 * INTERVENING (the channel's staff took it over: 小二介入 / 平台处理中),
 * AGREED (agreed, money on its way: PDD 平台同意退款中),
 * SUCCESS (money back to the buyer: refunded by the channel),
 * CLOSED (cancelled by the buyer, or closed by the channel without a refund).
 */
export type ChannelRefundStatus = 'REQUESTED' | 'REFUSED' | 'INTERVENING' | 'AGREED' | 'SUCCESS' | 'CLOSED';

export interface ChannelRefundEvent {
  type: 'REFUND';
  channelRefundId: string;
  channelOrderId: string;
  status: ChannelRefundStatus;
  rawStatus: string;
  /** Units asked back (virtual goods: whole units). */
  quantity: number;
  amountFen: number;
  reason: string;
  /** Who decided, when the state is a decision: the seller, or the channel's staff over the seller. */
  decidedBy: 'SELLER' | 'CHANNEL' | 'BUYER' | 'TIMEOUT' | null;
  /** Taobao: before the trade completed (onsale: the trade closes) or after (aftersale). */
  phase: 'ONSALE' | 'AFTERSALE' | null;
  modifiedAt: Date;
}

export type ChannelEvent = ChannelOrderEvent | ChannelRefundEvent;

export interface IncomingPush {
  headers: Record<string, string | undefined>;
  /** The body exactly as received: signatures cover the raw bytes. */
  rawBody: string;
}

export interface PushAck {
  status: number;
  contentType: string;
  body: string;
}

/** A message waiting on a pull channel (Taobao TMC) until its id is confirmed. */
export interface PulledMessage {
  id: string;
  event: ChannelEvent;
}

export interface DeliveryConfirmation {
  channelOrderId: string;
  /** Kameng's order id (or the channel order row's id): the channel's idempotency key. */
  outId: string;
  /** SUCCESS: the keys are ready (message to the buyer); FAIL: Kameng cannot deliver. */
  ok: boolean;
  /** What the channel buyer sees: the lookup link and code. Never the keys themselves. */
  message: string;
  failReason: string | null;
}

export interface RefundAnswer {
  channelRefundId: string;
  channelOrderId: string;
  agree: boolean;
  /** Shown to the buyer on the channel (the seller's refusal reason). */
  message: string;
  /** Kameng's request id: the channel's idempotency key for the answer. */
  outId: string;
}

/** 闲鱼 asks, before it agrees a refund, whether the supplier can take the codes back (二次校验). */
export interface RefundCheck {
  channelRefundId: string;
  channelOrderId: string;
  quantity: number;
  amountFen: number;
  reason: string;
  requestedAt: Date;
}

export interface RefundCheckReply {
  /** true: every code was unused and is now void (back in Kameng's stock) — refund away. */
  refundable: boolean;
  message: string;
}

export interface ChannelConnector {
  readonly channel: ChannelKind;
  /**
   * Connecting a shop: checks the credentials against the channel (a wrong secret or session is
   * `channel.credentials_rejected`) and subscribes the shop's messages to `notifyUrl` (Taobao
   * `taobao.tmc.user.permit`, PDD `pdd.pmc.user.permit`, 闲鱼: the app's callback address).
   * Returns the seller's id and shop name as the channel knows them.
   */
  subscribe(
    shop: Omit<ShopRef, 'channelShopId'>,
    notifyUrl: string,
  ): Promise<{ channelShopId: string; shopName: string }>;
  /** Verifies a push (signature, timestamp window, shop) and parses it; `channel.push_forged` otherwise. */
  verifyPush(shop: ShopRef, push: IncomingPush, now: Date): ChannelEvent[];
  /** The reply the channel expects to a push (ok: received; otherwise it retries). */
  ack(ok: boolean): PushAck;
  /** Pull channels (Taobao TMC): messages not yet confirmed. Push-only channels return []. */
  consume(shop: ShopRef, max: number): Promise<PulledMessage[]>;
  /** Confirms pulled messages so they are not delivered again. */
  confirm(shop: ShopRef, messageIds: string[]): Promise<void>;
  /** Ships (Taobao dummy logistics), notifies virtual delivery success/fail (PDD), or 发货 (闲鱼). */
  confirmDelivery(shop: ShopRef, input: DeliveryConfirmation): Promise<void>;
  /** The seller agrees or refuses a refund on the channel. */
  answerRefund(shop: ShopRef, input: RefundAnswer): Promise<void>;
  /** Incremental polling (reconciliation): orders and refunds modified in [from, to). */
  listChanged(shop: ShopRef, from: Date, to: Date): Promise<ChannelEvent[]>;
  /** 闲鱼's 二次校验 request: verified and parsed (null for channels without one). */
  verifyRefundCheck(shop: ShopRef, push: IncomingPush, now: Date): RefundCheck | null;
  /** The reply to a 二次校验, in the channel's format. */
  refundCheckReply(reply: RefundCheckReply): PushAck;
}
