/**
 * What the sandbox channels send, and how: each change queues a message in the transaction that
 * made it (none before the shop subscribed). PDD and 闲鱼 push it — a signed HTTP POST to the
 * notify URL, retried on the channel's schedule until acknowledged, then given up; Taobao keeps it
 * on TMC until Kameng pulls it (`consume`) and confirms its id — a message handed out and not
 * confirmed comes again after a visibility timeout, and one never confirmed is dropped after 3
 * days. 闲鱼's 二次校验 requests go out the same way to `${notifyUrl}/refund-check`.
 * Buyer profiles decide copies, holds, delays and losses (profiles.ts).
 */
import { now, type Db } from '../../../platform/db/dialect.js';
import { isRecord, md5ParamSign, parseJson, unixSeconds, xianyuSign } from '../connectors/sign.js';
import { XIANYU_PUSH_HEADERS, xianyuCheckReplySchema } from '../connectors/wire.js';
import type { KeyVault } from '../../../platform/vault.js';
import { COPY_OFFSETS_SECONDS, profileOf } from './profiles.js';
import { messageId, openSecrets, type MessageRow, type OrderRow, type ShopRow } from './store.js';

/** Hands a push to Kameng (the app wires it to `app.inject`, POSTing to the URL's path). */
export type DeliverPush = (
  url: string,
  push: { headers: Record<string, string>; rawBody: string; contentType: string },
) => Promise<{ status: number; body: string }>;

export interface TickReport {
  refundsTimedOut: number;
  refundsPaid: number;
  refundsClosed: number;
  ordersFinished: number;
  delivered: number;
  failed: number;
  gaveUp: number;
  expired: number;
}
export const emptyTickReport = (): TickReport => ({
  refundsTimedOut: 0,
  refundsPaid: 0,
  refundsClosed: 0,
  ordersFinished: 0,
  delivered: 0,
  failed: 0,
  gaveUp: 0,
  expired: 0,
});

/** Seconds between attempts after a failed one; after the last the message is given up. */
const RETRY_SECONDS = {
  PDD: [15, 60, 300, 900, 3600, 7200],
  XIANYU: [10, 60, 300, 1800, 3600],
  CHECK: [10, 30, 60],
} as const;
/** A TMC message handed out and not confirmed is handed out again after this. */
export const TMC_VISIBILITY_SECONDS = 60;
/** TMC keeps an unconfirmed message for 3 days. */
const TMC_KEEP_SECONDS = 3 * 86_400;
/** A claimed push is reserved this long, so a second sweeper does not send it at once too. */
const CLAIM_LEASE_SECONDS = 60;
const BATCH = 100;

const later = (at: Date, seconds: number): string => now(new Date(at.getTime() + seconds * 1000));

export interface QueuedEvent {
  targetType: 'ORDER' | 'REFUND';
  targetId: string;
  topic: string;
  payload: unknown;
  /** The order's first message (held back for the "reorder" profile). */
  first?: boolean;
}

/** Queues a message about `order` (and its copies), as the buyer's profile has it. */
export async function queueEvent(
  trx: Db,
  shop: ShopRow,
  order: OrderRow,
  ev: QueuedEvent,
  at: Date,
): Promise<void> {
  if (shop.subscribed_at === null) return; // nobody subscribed: the channel sends nothing
  const kind: MessageRow['kind'] = shop.channel === 'TAOBAO' ? 'TMC' : 'PUSH';
  if (kind === 'PUSH' && shop.notify_url === null) return;
  const profile = profileOf(order.profile);
  const delay = shop.push_delay_seconds + profile.delaySeconds + (ev.first ? profile.holdFirstSeconds : 0);
  const id = messageId(at);
  const base: Omit<MessageRow, 'id' | 'copy_of' | 'next_attempt_at'> = {
    shop_id: shop.id,
    kind,
    topic: ev.topic,
    target_type: ev.targetType,
    target_id: ev.targetId,
    order_id: order.id,
    payload: JSON.stringify(ev.payload),
    state: profile.lost ? 'LOST' : 'PENDING',
    attempts: 0,
    last_status: null,
    last_reply: null,
    created_at: now(at),
    delivered_at: null,
  };
  const rows: MessageRow[] = [{ ...base, id, copy_of: null, next_attempt_at: later(at, delay) }];
  for (let i = 1; i < profile.copies; i++) {
    rows.push({
      ...base,
      id: messageId(at),
      copy_of: id,
      next_attempt_at: later(at, delay + COPY_OFFSETS_SECONDS[i - 1]),
    });
  }
  await trx.insertInto('sandbox_channel_messages').values(rows).execute();
}

/** Queues 闲鱼's 二次校验 request for a refund (never lost: the platform waits for the answer). */
export async function queueCheck(
  trx: Db,
  shop: ShopRow,
  refundId: string,
  orderId: string,
  payload: unknown,
  at: Date,
): Promise<boolean> {
  if (shop.notify_url === null) return false;
  await trx
    .insertInto('sandbox_channel_messages')
    .values({
      id: messageId(at),
      shop_id: shop.id,
      kind: 'CHECK',
      topic: 'refund.check',
      target_type: 'REFUND',
      target_id: refundId,
      order_id: orderId,
      payload: JSON.stringify(payload),
      state: 'PENDING',
      copy_of: null,
      attempts: 0,
      next_attempt_at: later(at, shop.push_delay_seconds),
      last_status: null,
      last_reply: null,
      created_at: now(at),
      delivered_at: null,
    })
    .execute();
  return true;
}

export interface CheckAnswer {
  refundable: boolean;
  message: string;
}

export interface OutboxDeps {
  db: Db;
  vault: KeyVault;
  deliver: DeliverPush;
  /** A 二次校验 was answered (or, null, given up): the engine moves the refund. */
  onCheckReply(refundId: string, answer: CheckAnswer | null, at: Date): Promise<void>;
}

interface Outgoing {
  url: string;
  headers: Record<string, string>;
  rawBody: string;
  contentType: string;
}

async function build(deps: OutboxDeps, shop: ShopRow, m: MessageRow, sentAt: Date): Promise<Outgoing | null> {
  if (shop.notify_url === null) return null;
  const secrets = await openSecrets(deps.vault, deps.db, shop);
  const timestamp = String(unixSeconds(sentAt)); // signed when sent: a retry is freshly signed
  if (shop.channel === 'PDD') {
    const fields = {
      client_id: shop.app_key,
      mall_id: shop.seller_id,
      type: m.topic,
      timestamp,
      content: m.payload,
    };
    const rawBody = JSON.stringify({ ...fields, sign: md5ParamSign(fields, secrets.appSecret) });
    return { url: shop.notify_url, headers: {}, rawBody, contentType: 'application/json' };
  }
  const headers = {
    [XIANYU_PUSH_HEADERS.appid]: shop.app_key,
    [XIANYU_PUSH_HEADERS.timestamp]: timestamp,
    [XIANYU_PUSH_HEADERS.sign]: xianyuSign(shop.app_key, m.payload, timestamp, secrets.appSecret),
  };
  const url = m.kind === 'CHECK' ? `${shop.notify_url.replace(/\/+$/, '')}/refund-check` : shop.notify_url;
  return { url, headers, rawBody: m.payload, contentType: 'application/json' };
}

/** Whether Kameng's reply counts as received, as the channel judges it; for checks, the answer. */
function judge(
  shop: ShopRow,
  m: MessageRow,
  reply: { status: number; body: string },
): { ok: boolean; answer: CheckAnswer | null } {
  const body = parseJson(reply.body);
  if (reply.status !== 200 || !isRecord(body)) return { ok: false, answer: null };
  if (m.kind === 'CHECK') {
    const parsed = xianyuCheckReplySchema.safeParse(body);
    if (!parsed.success || parsed.data.code !== 0 || !parsed.data.data) return { ok: false, answer: null };
    return { ok: true, answer: parsed.data.data };
  }
  return { ok: shop.channel === 'PDD' ? body.success === true : body.code === 0, answer: null };
}

/**
 * Sends each due push and check once. A row is claimed by a conditional update (attempts acts as a
 * version) and the HTTP call happens outside any transaction: Kameng's handler runs its own, and
 * on SQLite a held write lock would deadlock with it. Shops switched "down" send nothing.
 */
export async function deliverDue(deps: OutboxDeps, at: Date, report: TickReport): Promise<void> {
  const due = await deps.db
    .selectFrom('sandbox_channel_messages as m')
    .innerJoin('sandbox_channel_shops as s', 's.id', 'm.shop_id')
    .selectAll('m')
    .where('m.state', '=', 'PENDING')
    .where('m.kind', 'in', ['PUSH', 'CHECK'])
    .where('m.next_attempt_at', '<=', now(at))
    .where('s.down', '=', 0)
    .orderBy('m.next_attempt_at')
    .orderBy('m.id')
    .limit(BATCH)
    .execute();
  const shops = new Map<string, ShopRow>();
  for (const m of due) {
    const attempts = m.attempts + 1;
    const claim = await deps.db
      .updateTable('sandbox_channel_messages')
      .set({ attempts, next_attempt_at: later(at, CLAIM_LEASE_SECONDS) })
      .where('id', '=', m.id)
      .where('state', '=', 'PENDING')
      .where('attempts', '=', m.attempts)
      .executeTakeFirst();
    if (claim.numUpdatedRows !== 1n) continue; // another sweeper has it
    const settle = (
      values: Partial<
        Pick<MessageRow, 'state' | 'next_attempt_at' | 'last_status' | 'last_reply' | 'delivered_at'>
      >,
    ) =>
      deps.db
        .updateTable('sandbox_channel_messages')
        .set(values)
        .where('id', '=', m.id)
        .where('attempts', '=', attempts)
        .execute();

    let shop = shops.get(m.shop_id);
    if (!shop) {
      shop = await deps.db
        .selectFrom('sandbox_channel_shops')
        .selectAll()
        .where('id', '=', m.shop_id)
        .executeTakeFirstOrThrow();
      shops.set(shop.id, shop);
    }
    const out = await build(deps, shop, m, at);
    let reply = { status: 0, body: '' };
    if (out) {
      try {
        reply = await deps.deliver(out.url, out);
      } catch {
        // unreachable: a failed attempt
      }
    }
    const { ok, answer } = judge(shop, m, reply);
    const lastReply = reply.body.slice(0, 200);
    if (ok) {
      report.delivered++;
      await settle({
        state: 'DELIVERED',
        delivered_at: now(at),
        last_status: reply.status,
        last_reply: lastReply,
      });
      if (m.kind === 'CHECK') await deps.onCheckReply(m.target_id, answer, at);
      continue;
    }
    const schedule =
      m.kind === 'CHECK'
        ? RETRY_SECONDS.CHECK
        : shop.channel === 'PDD'
          ? RETRY_SECONDS.PDD
          : RETRY_SECONDS.XIANYU;
    // attempts counts the first try too: with N retry intervals there are N + 1 attempts.
    const gaveUp = attempts > schedule.length;
    if (gaveUp) report.gaveUp++;
    else report.failed++;
    await settle({
      state: gaveUp ? 'GAVE_UP' : 'PENDING',
      last_status: reply.status,
      last_reply: lastReply,
      next_attempt_at: later(at, gaveUp ? 0 : schedule[attempts - 1]),
    });
    if (gaveUp && m.kind === 'CHECK') await deps.onCheckReply(m.target_id, null, at);
  }
}

// ---- Taobao TMC ---------------------------------------------------------------------------------

/** Hands out up to `quantity` unconfirmed messages; each comes again if not confirmed in time. */
export async function consumeTmc(db: Db, shop: ShopRow, quantity: number, at: Date): Promise<MessageRow[]> {
  const due = await db
    .selectFrom('sandbox_channel_messages')
    .selectAll()
    .where('shop_id', '=', shop.id)
    .where('kind', '=', 'TMC')
    .where('state', '=', 'PENDING')
    .where('next_attempt_at', '<=', now(at))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(quantity)
    .execute();
  const handed: MessageRow[] = [];
  for (const m of due) {
    const res = await db
      .updateTable('sandbox_channel_messages')
      .set({
        attempts: m.attempts + 1,
        next_attempt_at: later(at, TMC_VISIBILITY_SECONDS),
        delivered_at: now(at),
      })
      .where('id', '=', m.id)
      .where('state', '=', 'PENDING')
      .where('attempts', '=', m.attempts)
      .executeTakeFirst();
    if (res.numUpdatedRows === 1n) handed.push(m);
  }
  return handed;
}

/** Confirms handed-out messages by id; unknown or already confirmed ids are ignored. */
export async function confirmTmc(db: Db, shop: ShopRow, ids: readonly string[], at: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await db
    .updateTable('sandbox_channel_messages')
    .set({ state: 'CONFIRMED', delivered_at: now(at) })
    .where('shop_id', '=', shop.id)
    .where('kind', '=', 'TMC')
    .where('state', '=', 'PENDING')
    .where('attempts', '>', 0)
    .where('id', 'in', [...ids])
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** TMC drops messages nobody confirmed within 3 days. */
export async function expireTmc(db: Db, at: Date): Promise<number> {
  const res = await db
    .updateTable('sandbox_channel_messages')
    .set({ state: 'GAVE_UP' })
    .where('kind', '=', 'TMC')
    .where('state', '=', 'PENDING')
    .where('created_at', '<=', later(at, -TMC_KEEP_SECONDS))
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
