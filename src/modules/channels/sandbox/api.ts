/**
 * The sandbox channels' API servers behind one `ChannelTransport`: a request is routed to the
 * channel it names and answered in that channel's JSON, error responses included. Each server
 * checks what the real one checks (app key, signature, timestamp, session) against its own shop
 * records before it looks at anything else. Shared here: the shape of an answer, incremental
 * queries by modified time, and the context the three servers run with.
 */
import type { Clock } from '../../../platform/clock.js';
import { now, type Db } from '../../../platform/db/dialect.js';
import type { KeyVault } from '../../../platform/vault.js';
import type { ChannelKind } from '../connector.js';
import type { Trades } from './trades.js';
import type { OrderRow, RefundRow, ShopRow } from './store.js';

export interface ApiRequest {
  channel: ChannelKind;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApiContext {
  db: Db;
  clock: Clock;
  vault: KeyVault;
  trades: Trades;
}

export const json = (value: unknown, status = 200): ApiResponse => ({
  status,
  headers: { 'content-type': 'application/json;charset=UTF-8' },
  body: JSON.stringify(value),
});

/** The query string of a URL as a flat record (repeated names: the last wins). */
export function queryOf(url: string): Record<string, string> {
  const q = url.indexOf('?');
  const out: Record<string, string> = {};
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) out[k] = v;
  return out;
}

export function pathOf(url: string): string {
  const noQuery = url.split('?')[0];
  const m = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(noQuery);
  return m ? (m[1] ?? '/') : noQuery;
}

/** A positive page number / size from request text, within bounds. */
export function intParam(text: string | undefined, fallback: number, min: number, max: number): number {
  const n = text === undefined || text === '' ? fallback : Number(text);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export interface Page<T> {
  rows: T[];
  total: number;
  hasNext: boolean;
}

/** Orders of a shop whose channel-side modified time is in [from, to), oldest first, paged. */
export async function changedOrders(
  db: Db,
  shop: ShopRow,
  from: Date,
  to: Date,
  page: number,
  size: number,
): Promise<Page<{ order: OrderRow; refunds: RefundRow[] }>> {
  const base = db
    .selectFrom('sandbox_channel_orders')
    .where('shop_id', '=', shop.id)
    .where('modified_at', '>=', now(from))
    .where('modified_at', '<', now(to));
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const orders = await base
    .selectAll()
    .orderBy('modified_at')
    .orderBy('id')
    .limit(size)
    .offset((page - 1) * size)
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
  const total = Number(n);
  return {
    rows: orders.map((order) => ({ order, refunds: refunds.filter((r) => r.order_id === order.id) })),
    total,
    hasNext: page * size < total,
  };
}

/** Refunds of a shop modified in [from, to), oldest first, paged. */
export async function changedRefunds(
  db: Db,
  shop: ShopRow,
  from: Date,
  to: Date,
  page: number,
  size: number,
): Promise<Page<RefundRow>> {
  const base = db
    .selectFrom('sandbox_channel_refunds')
    .where('shop_id', '=', shop.id)
    .where('modified_at', '>=', now(from))
    .where('modified_at', '<', now(to));
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .selectAll()
    .orderBy('modified_at')
    .orderBy('id')
    .limit(size)
    .offset((page - 1) * size)
    .execute();
  const total = Number(n);
  return { rows, total, hasNext: page * size < total };
}
