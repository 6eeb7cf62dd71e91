/**
 * The sandbox channels' records: row types, ids that look like the real ones, the shop's sealed
 * secrets, and the two write helpers every change goes through (a version-checked update that
 * also moves the record's channel-side modified time).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { engineOf, forUpdate, now, type Db } from '../../../platform/db/dialect.js';
import type { Row } from '../../../platform/db/schema.js';
import { fail } from '../../../platform/errors.js';
import type { KeyVault } from '../../../platform/vault.js';
import type { ChannelKind } from '../connector.js';

export type ShopRow = Row<'sandbox_channel_shops'>;
export type ItemRow = Row<'sandbox_channel_items'>;
export type OrderRow = Row<'sandbox_channel_orders'>;
export type RefundRow = Row<'sandbox_channel_refunds'>;
export type MessageRow = Row<'sandbox_channel_messages'>;
export type DecidedBy = NonNullable<RefundRow['decided_by']>;

/** Channel-side deadlines and failure switches of one sandbox shop. */
export interface ShopSettings {
  /** Every API call fails with the channel's "service unavailable"; no message goes out. */
  down: boolean;
  /** Added before the first delivery of every message. */
  pushDelaySeconds: number;
  /** A refund the seller does not answer within this is agreed by the channel (TIMEOUT). */
  sellerAnswerSeconds: number;
  /** After a refusal, the buyer has this long to cancel or ask for intervention; then it closes. */
  buyerResponseSeconds: number;
  /** A shipped order is confirmed received by the channel after this (no refund open). */
  autoConfirmSeconds: number;
}

const HOUR = 3600;
/** The channels' usual windows: 48 h for the seller, 7 days for the buyer, auto-confirm. */
export const DEFAULT_SETTINGS: Readonly<
  Record<ChannelKind, Omit<ShopSettings, 'down' | 'pushDelaySeconds'>>
> = {
  TAOBAO: {
    sellerAnswerSeconds: 48 * HOUR,
    buyerResponseSeconds: 7 * 24 * HOUR,
    autoConfirmSeconds: 24 * HOUR,
  },
  PDD: { sellerAnswerSeconds: 48 * HOUR, buyerResponseSeconds: 7 * 24 * HOUR, autoConfirmSeconds: 24 * HOUR },
  XIANYU: {
    sellerAnswerSeconds: 48 * HOUR,
    buyerResponseSeconds: 7 * 24 * HOUR,
    autoConfirmSeconds: 24 * HOUR,
  },
};

export const settingsOf = (shop: ShopRow): ShopSettings => ({
  down: shop.down === 1,
  pushDelaySeconds: shop.push_delay_seconds,
  sellerAnswerSeconds: shop.seller_answer_seconds,
  buyerResponseSeconds: shop.buyer_response_seconds,
  autoConfirmSeconds: shop.auto_confirm_seconds,
});

// ---- ids that look like the channels' own ---------------------------------------------------

/** `n` random decimal digits, the first non-zero. */
export function digitsId(n: number): string {
  let s = String(randomInt(1, 10));
  while (s.length < n) s += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return s.slice(0, n);
}

let lastMs = 0;
let counter = 0;
/**
 * A message id (TMC ids are numbers): 13 digits of milliseconds, a 3-digit counter, 3 random
 * digits — so ids sort in the order the messages were made, as the channels hand them out.
 */
export function messageId(at: Date): string {
  const ms = at.getTime();
  if (ms !== lastMs) {
    lastMs = ms;
    counter = 0;
  } else counter = (counter + 1) % 1000;
  return `${String(ms).padStart(13, '0')}${String(counter).padStart(3, '0')}${String(randomInt(0, 1000)).padStart(3, '0')}`;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alnum = (n: number): string => Array.from(randomBytes(n), (b) => ALNUM[b % ALNUM.length]).join('');

/** A channel order id: TOP tid (19 digits), PDD order_sn (yymmdd-15 digits), 闲鱼 (19 digits). */
export function newOrderId(channel: ChannelKind, at: Date): string {
  if (channel !== 'PDD') return digitsId(19);
  const day = new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(2, 10).replace(/-/g, '');
  return `${day}-${digitsId(15)}`;
}

export interface NewCredentials {
  sellerId: string;
  appKey: string;
  appSecret: string;
  sessionKey: string | null;
}

/** What a real console would hand out: TOP app key + secret + session, PDD client id/secret/token, 闲管家 appid + secret. */
export function newCredentials(channel: ChannelKind): NewCredentials {
  switch (channel) {
    case 'TAOBAO':
      return {
        sellerId: digitsId(10),
        appKey: digitsId(8),
        appSecret: hex(16),
        sessionKey: `6100${hex(24)}`,
      };
    case 'PDD':
      return { sellerId: digitsId(9), appKey: hex(16), appSecret: hex(20), sessionKey: hex(20) };
    case 'XIANYU':
      return { sellerId: digitsId(8), appKey: digitsId(15), appSecret: alnum(32), sessionKey: null };
  }
}

// ---- sealed secrets -----------------------------------------------------------------------------

export interface ShopSecrets {
  appSecret: string;
  sessionKey: string | null;
}

const aadFor = (shopId: string): string => `sandbox-channel-shop:${shopId}`;

export async function sealSecrets(
  vault: KeyVault,
  db: Db,
  at: Date,
  shopId: string,
  s: ShopSecrets,
): Promise<Buffer> {
  return vault.sealBlob(db, at, aadFor(shopId), Buffer.from(JSON.stringify(s), 'utf8'));
}

export async function openSecrets(vault: KeyVault, db: Db, shop: ShopRow): Promise<ShopSecrets> {
  const opened = await vault.openBlob(db, aadFor(shop.id), shop.sealed_secrets);
  return JSON.parse(opened.toString('utf8')) as ShopSecrets;
}

// ---- reading ------------------------------------------------------------------------------------

export async function shopById(db: Db, id: string): Promise<ShopRow> {
  const row = await db
    .selectFrom('sandbox_channel_shops')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ?? fail('sandbox.channel_shop_not_found');
}

export function shopByAppKey(db: Db, appKey: string): Promise<ShopRow | undefined> {
  return db.selectFrom('sandbox_channel_shops').selectAll().where('app_key', '=', appKey).executeTakeFirst();
}

export async function orderById(db: Db, id: string, lock = false): Promise<OrderRow> {
  const q = db.selectFrom('sandbox_channel_orders').selectAll().where('id', '=', id);
  const row = await (lock ? forUpdate(q, engineOf(db)) : q).executeTakeFirst();
  return row ?? fail('sandbox.channel_order_not_found');
}

export async function refundById(db: Db, id: string, lock = false): Promise<RefundRow> {
  const q = db.selectFrom('sandbox_channel_refunds').selectAll().where('id', '=', id);
  const row = await (lock ? forUpdate(q, engineOf(db)) : q).executeTakeFirst();
  return row ?? fail('sandbox.channel_refund_not_found');
}

export function refundsOf(db: Db, orderId: string): Promise<RefundRow[]> {
  return db
    .selectFrom('sandbox_channel_refunds')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export const OPEN_REFUND_STATES: readonly RefundRow['state'][] = ['WAIT_SELLER', 'REFUSED', 'AGREED'];
export const isOpen = (r: RefundRow): boolean => OPEN_REFUND_STATES.includes(r.state);

// ---- writing ------------------------------------------------------------------------------------

/**
 * The channel-side modified time of a change: whole seconds (as the channels report it) and
 * strictly after the record's previous one, so two changes in one second still order correctly
 * for a receiver that keeps the newest by modified time.
 */
export function nextModified(previous: string | null, at: Date): string {
  const floor = Math.floor(at.getTime() / 1000) * 1000;
  const after = previous === null ? floor : Math.floor(new Date(previous).getTime() / 1000) * 1000 + 1000;
  return now(new Date(Math.max(floor, after)));
}

type OrderPatch = Partial<Omit<OrderRow, 'id' | 'version' | 'modified_at'>>;
type RefundPatch = Partial<Omit<RefundRow, 'id' | 'version' | 'modified_at'>>;

/** Applies a change to an order read in this transaction; a concurrent change is a 409. */
export async function updateOrder(trx: Db, order: OrderRow, patch: OrderPatch, at: Date): Promise<OrderRow> {
  const next: OrderRow = {
    ...order,
    ...patch,
    version: order.version + 1,
    modified_at: nextModified(order.modified_at, at),
  };
  const res = await trx
    .updateTable('sandbox_channel_orders')
    .set({ ...patch, version: next.version, modified_at: next.modified_at })
    .where('id', '=', order.id)
    .where('version', '=', order.version)
    .executeTakeFirst();
  if (res.numUpdatedRows !== 1n) fail('request.conflict');
  return next;
}

export async function updateRefund(
  trx: Db,
  refund: RefundRow,
  patch: RefundPatch,
  at: Date,
): Promise<RefundRow> {
  const next: RefundRow = {
    ...refund,
    ...patch,
    version: refund.version + 1,
    modified_at: nextModified(refund.modified_at, at),
  };
  const res = await trx
    .updateTable('sandbox_channel_refunds')
    .set({ ...patch, version: next.version, modified_at: next.modified_at })
    .where('id', '=', refund.id)
    .where('version', '=', refund.version)
    .executeTakeFirst();
  if (res.numUpdatedRows !== 1n) fail('request.conflict');
  return next;
}
