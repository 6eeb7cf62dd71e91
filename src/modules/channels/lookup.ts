/**
 * Key lookup without an account (spec §11) — the channel buyer's way to the keys: an unguessable
 * link (`/k/<token>`, 192 bits), or the order number plus its 提取码. Reveals through it are the
 * same reveals as anywhere (拆封, time, IP, user agent on the key's history).
 *
 * Against enumeration — how keys were stolen from other 发卡 systems: "no such order", "not a
 * channel order", "wrong code" and "unknown link" are one answer (404 `lookup.not_found`, the same
 * body), the code is checked by HMAC whether the order exists or not. Code lookups take an attempt
 * from two windows before anything is looked at — per address (20 per 15 minutes) and per order
 * number (5 per hour, existing or not); a successful lookup gives its attempts back — and past
 * either every code lookup from there (or for that number) answers 429 `lookup.throttled`, a
 * correct code too, so a throttled guesser learns nothing. The counters are one atomic upsert in
 * the database, shared by every instance. Links (192-bit tokens) are not guessable and are only
 * rate-limited per address by the route, so a neighbour's guesses never lock a buyer out.
 */
import { z } from 'zod';
import type { UserActor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import { sql } from 'kysely';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { sha256 } from '../../platform/ids.js';
import { timingSafeEqual } from 'node:crypto';
import { revealUnit, type RequestInfo } from '../inventory/index.js';
import type { ChannelKind } from './connector.js';
import { CHANNEL_NAMES, type ChannelsContext } from './context.js';
import { codeHmac } from './lookup-codes.js';

export const ADDRESS_LIMIT = { failures: 20, windowMs: 15 * 60_000 };
export const ORDER_LIMIT = { failures: 5, windowMs: 60 * 60_000 };

export const lookupByCodeSchema = z.strictObject({
  orderNo: z.string().trim().min(1).max(40),
  code: z.string().trim().min(1).max(40),
});

const channelEnum = z.enum(['TAOBAO', 'PDD', 'XIANYU']);
export const lookupViewSchema = z.object({
  token: z.string(),
  orderNo: z.string(),
  productName: z.string(),
  productType: z.string(),
  quantity: z.number().int(),
  totalFen: z.number().int(),
  deliveredAt: z.string().nullable(),
  channel: z.object({
    kind: channelEnum,
    nameZh: z.string(),
    nameEn: z.string(),
    channelOrderId: z.string(),
    shopName: z.string(),
    /** Where the buyer applies for a refund: on the channel, not here. */
    refundUrl: z.string(),
  }),
  policy: z.object({ zh: z.string(), en: z.string() }).nullable(),
  /** The policy's terms, for the 拆封 warning: what revealing means for a refund under it. */
  policyTerms: z
    .object({
      unactivatedRefund: z.boolean(),
      windowHours: z.number().int().nullable(),
      revealedRefund: z.boolean(),
      nonRefundable: z.boolean(),
      version: z.number().int(),
    })
    .nullable(),
  units: z.array(
    z.object({
      unitId: z.string(),
      serialMasked: z.string(),
      state: z.string(),
      revealedAt: z.string().nullable(),
      refunded: z.boolean(),
      inRefund: z.boolean(),
    }),
  ),
});
export type LookupView = z.infer<typeof lookupViewSchema>;

export const revealInputSchema = z.strictObject({ unitId: z.string().min(1).max(64) });

type Throttle = { failures: number; windowMs: number };

/**
 * Takes one attempt from the key's window, atomically (one upsert: concurrent guesses each take
 * their own, on PostgreSQL too), before the code is looked at; true while the window still had
 * room. A lookup that succeeds gives its attempt back (`giveBack`), so only failures add up.
 */
async function takeAttempt(db: Db, key: string, limit: Throttle, at: Date): Promise<boolean> {
  const expired = now(new Date(at.getTime() - limit.windowMs));
  const row = await db
    .insertInto('lookup_throttle')
    .values({ key, failures: 1, window_start: now(at), locked_until: null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when ${sql.ref('lookup_throttle.window_start')} <= ${expired} then 1 else ${sql.ref('lookup_throttle.failures')} + 1 end`,
        window_start: sql<string>`case when ${sql.ref('lookup_throttle.window_start')} <= ${expired} then ${now(at)} else ${sql.ref('lookup_throttle.window_start')} end`,
      }),
    )
    .returning(['failures'])
    .executeTakeFirstOrThrow();
  return Number(row.failures) <= limit.failures;
}

async function giveBack(db: Db, key: string): Promise<void> {
  await db
    .updateTable('lookup_throttle')
    .set({ failures: sql<number>`${sql.ref('failures')} - 1` })
    .where('key', '=', key)
    .where('failures', '>', 0)
    .execute();
}

const addressKey = (ip: string | null) => `ip:${ip ?? 'unknown'}`;
const orderKey = (orderNo: string) => `order:${orderNo.toUpperCase()}`;

function notFound(): never {
  fail('lookup.not_found');
}

/** The delivered channel order a link token names, or null. */
async function byToken(db: Db, token: string) {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return null;
  return (
    (await db
      .selectFrom('channel_orders')
      .selectAll()
      .where('lookup_token_hash', '=', sha256(token))
      .where('state', '=', 'DELIVERED')
      .executeTakeFirst()) ?? null
  );
}

async function view(ctx: ChannelsContext, row: Row<'channel_orders'>, token: string): Promise<LookupView> {
  const order = await ctx.db
    .selectFrom('orders')
    .selectAll()
    .where('id', '=', row.order_id!)
    .executeTakeFirstOrThrow();
  const shop = await ctx.db
    .selectFrom('channel_shops')
    .selectAll()
    .where('id', '=', row.shop_id)
    .executeTakeFirstOrThrow();
  const policy = order.policy_id
    ? await ctx.db
        .selectFrom('refund_policies')
        .select([
          'text_zh',
          'text_en',
          'unactivated_refund',
          'window_hours',
          'revealed_refund',
          'non_refundable',
          'version',
        ])
        .where('id', '=', order.policy_id)
        .executeTakeFirst()
    : undefined;
  const units = await ctx.db
    .selectFrom('units')
    .leftJoin('keys', (j) => j.onRef('keys.unit_id', '=', 'units.id').on('keys.state', '<>', 'INVALID'))
    .select(['units.id', 'units.refunded_at', 'keys.serial_masked', 'keys.state', 'keys.first_revealed_at'])
    .where('units.order_id', '=', order.id)
    .orderBy('units.id')
    .execute();
  const open = await ctx.db
    .selectFrom('refund_request_units')
    .select('unit_id')
    .where('unit_id', 'in', units.length ? units.map((u) => u.id) : ['-'])
    .where('released_at', 'is', null)
    .execute();
  const inRefund = new Set(open.map((o) => o.unit_id));
  const kind: ChannelKind = shop.channel;
  return {
    token,
    orderNo: order.order_no,
    productName: order.product_name ?? '',
    productType: order.product_type ?? 'CARD_KEY',
    quantity: order.quantity,
    totalFen: order.total_fen,
    deliveredAt: order.delivered_at,
    channel: {
      kind,
      nameZh: CHANNEL_NAMES[kind].zh,
      nameEn: CHANNEL_NAMES[kind].en,
      channelOrderId: row.channel_order_id,
      shopName: shop.name,
      refundUrl: shop.refund_url_template.replace('{orderId}', encodeURIComponent(row.channel_order_id)),
    },
    policy: policy ? { zh: policy.text_zh, en: policy.text_en } : null,
    policyTerms: policy
      ? {
          unactivatedRefund: policy.unactivated_refund === 1,
          windowHours: policy.window_hours,
          revealedRefund: policy.revealed_refund === 1,
          nonRefundable: policy.non_refundable === 1,
          version: policy.version,
        }
      : null,
    units: units.map((u) => ({
      unitId: u.id,
      serialMasked: u.serial_masked ?? '',
      state: u.refunded_at ? 'REFUNDED' : (u.state ?? 'PENDING'),
      revealedAt: u.first_revealed_at,
      refunded: u.refunded_at !== null,
      inRefund: inRefund.has(u.id),
    })),
  };
}

/**
 * A link names its order by a 192-bit token: guessing one is hopeless, so links are not held by the
 * code-guess throttles (a NAT neighbour's failed guesses must not lock a buyer out of their link);
 * the route's per-address rate limit bounds how fast anyone can ask.
 */
export async function lookupByToken(ctx: ChannelsContext, token: string): Promise<LookupView> {
  const row = await byToken(ctx.db, token);
  if (!row) notFound();
  return view(ctx, row, token);
}

export async function lookupByCode(
  ctx: ChannelsContext,
  input: z.infer<typeof lookupByCodeSchema>,
  ip: string | null,
): Promise<LookupView> {
  const at = ctx.clock.now();
  const orderNo = input.orderNo.toUpperCase();
  // Both windows are charged before anything is looked at: concurrent guesses cannot outrun them.
  const byAddress = await takeAttempt(ctx.db, addressKey(ip), ADDRESS_LIMIT, at);
  const byOrder = await takeAttempt(ctx.db, orderKey(orderNo), ORDER_LIMIT, at);
  if (!byAddress || !byOrder) fail('lookup.throttled');
  const row = await ctx.db
    .selectFrom('orders')
    .innerJoin('channel_orders', 'channel_orders.order_id', 'orders.id')
    .selectAll('channel_orders')
    .where('orders.order_no', '=', orderNo)
    .where('channel_orders.state', '=', 'DELIVERED')
    .executeTakeFirst();
  // The code is hashed whether or not the order exists: the answer takes the same work either way.
  const offered = await codeHmac(ctx, ctx.db, orderNo, input.code, at);
  const stored = row?.lookup_code_hmac ?? Buffer.alloc(offered.length);
  const match = !!row && stored.length === offered.length && timingSafeEqual(stored, offered);
  if (!row || !match) notFound();
  await giveBack(ctx.db, addressKey(ip));
  await giveBack(ctx.db, orderKey(orderNo));
  const { token } = JSON.parse(
    (await ctx.vault.openBlob(ctx.db, `channel-lookup:${row.id}`, row.lookup_sealed!)).toString('utf8'),
  ) as { token: string };
  return view(ctx, row, token);
}

/** 拆封 through the link: the unit must belong to the link's order; recorded as any reveal. */
export async function revealByToken(ctx: ChannelsContext, token: string, unitId: string, info: RequestInfo) {
  const row = await byToken(ctx.db, token);
  if (!row?.order_id) notFound();
  const unit = await ctx.db
    .selectFrom('units')
    .select(['id', 'buyer_id'])
    .where('id', '=', unitId)
    .where('order_id', '=', row.order_id)
    .executeTakeFirst();
  if (!unit) fail('inventory.unit_not_found');
  const channelBuyer: UserActor = {
    kind: 'user',
    id: unit.buyer_id,
    role: 'buyer',
    memberLevel: 'REGULAR',
    merchantId: null,
  };
  // The shop's one channel buyer stands for every channel customer: no per-user key budget (the
  // lookup routes are held per address instead).
  return revealUnit(ctx, channelBuyer, unit.id, info, { budget: false });
}

let lastPruneMs = 0;
/**
 * Forgets lookup windows that ended (the longest is an hour): run by the sweeper, at most every ten
 * minutes per process. Returns how many were removed.
 */
export async function pruneLookupThrottle(ctx: Pick<ChannelsContext, 'db' | 'clock'>): Promise<number> {
  const at = ctx.clock.now().getTime();
  if (at - lastPruneMs < 10 * 60_000) return 0;
  lastPruneMs = at;
  const cutoff = now(new Date(at - 2 * Math.max(ADDRESS_LIMIT.windowMs, ORDER_LIMIT.windowMs)));
  const res = await ctx.db
    .deleteFrom('lookup_throttle')
    .where('window_start', '<', cutoff)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
