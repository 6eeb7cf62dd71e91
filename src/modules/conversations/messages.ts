/**
 * 沟通记录 (spec §7 step 3): one conversation per order between its buyer, its merchant and, once
 * involved, platform support. The conversation is system evidence for refunds and disputes, so
 * messages are append-only (database triggers refuse UPDATE and DELETE) and each is chained into
 * the audit log with a hash of its text: a message altered behind the triggers' back breaks the
 * chain. Attachments are evidence files, re-checked by content exactly as refund evidence is.
 */
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { evidenceForViewer, uploadedBy } from '../../platform/uploads.js';
import { fromJson, now, toJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError, fail } from '../../platform/errors.js';
import { inspectUpload, isSha256, type FileStore, type Signal } from '../../platform/files.js';
import { newOrderedId, sha256 } from '../../platform/ids.js';
import { appendAudit } from '../../platform/audit.js';
import { merchantUsers, notify } from '../notifications/index.js';
import { canSee } from '../orders/index.js';
import {
  MESSAGE_MAX,
  PAGE_DEFAULT,
  PAGE_MAX,
  PARTIES,
  type ConversationView,
  type ListMessagesQuery,
  type MessageView,
  type Party,
  type PostMessageInput,
  type ReadMark,
} from './schemas.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export type ConversationContext = DataContext & { files: FileStore };

export * from './schemas.js';

// ---- who may take part -----------------------------------------------------------------------

/** The actor's part in the order's conversation, or null when it has none. */
export function partyOf(actor: Actor, order: Pick<Row<'orders'>, 'buyer_id' | 'merchant_id'>): Party | null {
  if (actor.kind !== 'user') return null;
  if (actor.id === order.buyer_id) return 'buyer';
  if (actor.role === 'merchant')
    return actor.merchantId !== null && actor.merchantId === order.merchant_id ? 'merchant' : null;
  if (actor.role === 'support' || actor.role === 'admin') return 'support';
  return null;
}

interface Participant {
  order: Row<'orders'>;
  /** Present for the buyer, the merchant and support; absent for a read-only viewer. */
  party: Party | null;
  userId: string | null;
}

/**
 * The order and the actor's part in its conversation. Anyone who may not see the order gets its
 * 404 (its existence is not leaked); someone who may see it but is not a party (an arbitrator, a
 * merchant's API token) may read when `readOnly` allows and is otherwise refused.
 */
async function participant(db: Db, actor: Actor, orderId: string, readOnly: boolean): Promise<Participant> {
  const order = await db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!order) return fail('order.not_found');
  const party = partyOf(actor, order);
  if (party) return { order, party, userId: actor.kind === 'user' ? actor.id : null };
  if (!canSee(actor, order)) return fail('order.not_found');
  if (!readOnly) return fail('conversation.read_only');
  return { order, party: null, userId: actor.kind === 'user' ? actor.id : null };
}

/** Moves a user's read mark forward to `messageId`; an older mark never replaces a newer one. */
async function advanceRead(
  trx: Db,
  orderId: string,
  userId: string,
  messageId: string,
  at: Date,
): Promise<void> {
  await trx
    .insertInto('conversation_reads')
    .values({ order_id: orderId, user_id: userId, last_read_id: messageId, read_at: now(at) })
    .onConflict((oc) =>
      oc
        .columns(['order_id', 'user_id'])
        .doUpdateSet((eb) => ({
          last_read_id: eb.ref('excluded.last_read_id'),
          read_at: eb.ref('excluded.read_at'),
        }))
        .where((eb) => eb('conversation_reads.last_read_id', '<', eb.ref('excluded.last_read_id'))),
    )
    .execute();
}

// ---- use cases -------------------------------------------------------------------------------

const PARTY_LABEL: Record<Party, { zh: string; en: string }> = {
  buyer: { zh: '买家', en: 'The buyer' },
  merchant: { zh: '商家', en: 'The merchant' },
  support: { zh: '平台客服', en: 'Platform support' },
};

/**
 * Posts a message (and at most one attachment, already uploaded to the evidence store) to the
 * order's conversation. The attachment is read back and inspected before the transaction opens,
 * so a refused file leaves nothing behind. The other parties are notified in the same
 * transaction; the notification never carries the text (a buyer may paste a key into the chat,
 * and notifications go out by e-mail and SMS).
 */
export async function postMessage(
  ctx: ConversationContext,
  actor: Actor,
  orderId: string,
  input: PostMessageInput,
): Promise<MessageView> {
  const { order, party, userId } = await participant(ctx.db, actor, orderId, false);
  if (!party || !userId) return fail('conversation.read_only');
  const body = input.body.trim();
  if (body.length === 0 || body.length > MESSAGE_MAX)
    fail('conversation.body_invalid', { field: 'body', params: { max: MESSAGE_MAX } });

  let file: { sha256: string; mime: string; name: string; signals: Signal[] } | null = null;
  if (input.file) {
    const name = input.file.name.trim() || 'file';
    const bytes = isSha256(input.file.sha256) ? await ctx.files.get(input.file.sha256) : null;
    if (!bytes) return fail('conversation.file_not_found', { field: 'file', params: { name } });
    // Only the sender's own uploads (a hash seen in someone else's download link is not enough).
    if (!(await uploadedBy(ctx.db, userId, input.file.sha256)))
      return fail('evidence.not_uploaded', { field: 'file', params: { name } });
    try {
      const inspected = await inspectUpload(bytes, name);
      file = {
        sha256: inspected.sha256,
        mime: inspected.mime,
        name: inspected.name,
        signals: inspected.signals,
      };
    } catch (err) {
      if (err instanceof DomainError) throw new DomainError(err.code, { ...err.options, field: 'file' });
      throw err;
    }
  }

  const at = ctx.clock.now();
  const id = newOrderedId(at.getTime());
  await unitOfWork(ctx, async (trx) => {
    await trx
      .insertInto('conversation_messages')
      .values({
        id,
        order_id: order.id,
        sender_id: userId,
        sender_role: party,
        body,
        sha256: file?.sha256 ?? null,
        mime: file?.mime ?? null,
        file_name: file?.name ?? null,
        signals: file ? toJson(file.signals) : null,
        created_at: now(at),
      })
      .execute();
    // Writing a message means having read everything before it.
    await advanceRead(trx, order.id, userId, id, at);
    await appendAudit(trx, {
      actor,
      action: 'conversation.message',
      objectType: 'order',
      objectId: order.id,
      data: { messageId: id, role: party, bodySha256: sha256(body), file: file?.sha256 ?? null },
      at,
    });
    const recipients = (await participantUsers(trx, order))
      .filter((u) => u.party !== party)
      .map((u) => u.userId);
    const who = PARTY_LABEL[party];
    await notify(
      trx,
      recipients.filter((r) => r !== userId),
      {
        kind: 'MESSAGE',
        titleZh: `订单 ${order.order_no} 有新消息`,
        titleEn: `New message on order ${order.order_no}`,
        bodyZh: `${who.zh}在订单 ${order.order_no} 的沟通记录中发来一条消息${file ? '（含附件）' : ''}，打开订单即可查看。`,
        bodyEn: `${who.en} wrote in the conversation of order ${order.order_no}${file ? ' (with an attachment)' : ''}; open the order to read it.`,
        link: `/orders/${order.id}#conversation`,
        object: { type: 'order', id: order.id },
      },
      at,
    );
  });

  const sender = await ctx.db
    .selectFrom('users')
    .select('display_name')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  const others = (await participantsOf(ctx.db, order)).filter((p) => p !== party);
  return {
    id,
    orderId: order.id,
    senderId: userId,
    senderRole: party,
    senderName: sender.display_name,
    mine: true,
    body,
    file,
    createdAt: now(at),
    readBy: others.map((p) => ({ party: p, read: false })),
  };
}

/** The people to notify: the buyer, the merchant's account, and support staff who took part. */
async function participantUsers(db: Db, order: Row<'orders'>): Promise<{ party: Party; userId: string }[]> {
  const support = await db
    .selectFrom('conversation_messages')
    .select('sender_id')
    .distinct()
    .where('order_id', '=', order.id)
    .where('sender_role', '=', 'support')
    .execute();
  return [
    { party: 'buyer' as const, userId: order.buyer_id },
    ...(await merchantUsers(db, order.merchant_id)).map((userId) => ({ party: 'merchant' as const, userId })),
    ...support.map((s) => ({ party: 'support' as const, userId: s.sender_id })),
  ];
}

/** Parties of the conversation: buyer, merchant (goods orders), and support once it has spoken. */
async function participantsOf(db: Db, order: Row<'orders'>): Promise<Party[]> {
  const supportSpoke = await db
    .selectFrom('conversation_messages')
    .select('id')
    .where('order_id', '=', order.id)
    .where('sender_role', '=', 'support')
    .limit(1)
    .executeTakeFirst();
  return PARTIES.filter(
    (p) => p === 'buyer' || (p === 'merchant' ? order.merchant_id !== null : !!supportSpoke),
  );
}

/**
 * The conversation, oldest first, with read receipts: for each message, whether each other party
 * has read up to it (ids are time-ordered, so "read up to" is a string comparison). A merchant's
 * or support's mark is the furthest of its people's marks.
 */
export async function listMessages(
  ctx: Pick<DataContext, 'db'>,
  actor: Actor,
  orderId: string,
  query: ListMessagesQuery = {},
): Promise<ConversationView> {
  const { order, party, userId } = await participant(ctx.db, actor, orderId, true);
  const limit = Math.min(Math.max(query.limit ?? PAGE_DEFAULT, 1), PAGE_MAX);
  const [rows, readRows, merchantIds, participants] = await Promise.all([
    ctx.db
      .selectFrom('conversation_messages as m')
      .innerJoin('users as u', 'u.id', 'm.sender_id')
      .selectAll('m')
      .select('u.display_name')
      .where('m.order_id', '=', order.id)
      .$if(query.after !== undefined, (q) => q.where('m.id', '>', query.after ?? ''))
      .orderBy('m.id')
      .limit(limit + 1)
      .execute(),
    ctx.db
      .selectFrom('conversation_reads as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select(['r.user_id', 'r.last_read_id', 'r.read_at', 'u.role'])
      .where('r.order_id', '=', order.id)
      .execute(),
    merchantUsers(ctx.db, order.merchant_id),
    participantsOf(ctx.db, order),
  ]);

  const marks = new Map<Party, { lastReadId: string; readAt: string }>();
  for (const r of readRows) {
    const p: Party | null =
      r.user_id === order.buyer_id
        ? 'buyer'
        : merchantIds.includes(r.user_id)
          ? 'merchant'
          : r.role === 'support' || r.role === 'admin'
            ? 'support'
            : null;
    if (!p) continue;
    const prev = marks.get(p);
    if (!prev || prev.lastReadId < r.last_read_id)
      marks.set(p, { lastReadId: r.last_read_id, readAt: r.read_at });
  }
  const mine = userId ? readRows.find((r) => r.user_id === userId)?.last_read_id : undefined;

  const page = rows.slice(0, limit);
  const messages = page.map((m): MessageView => ({
    id: m.id,
    orderId: m.order_id,
    senderId: m.sender_id,
    senderRole: m.sender_role,
    senderName: m.display_name,
    mine: m.sender_id === userId,
    body: m.body,
    file:
      m.sha256 !== null
        ? {
            sha256: m.sha256,
            mime: m.mime ?? 'application/octet-stream',
            name: m.file_name ?? 'file',
            signals: m.signals ? fromJson<Signal[]>(m.signals) : [],
          }
        : null,
    createdAt: m.created_at,
    readBy: participants
      .filter((p) => p !== m.sender_role)
      .map((p) => ({ party: p, read: (marks.get(p)?.lastReadId ?? '') >= m.id })),
  }));

  // Counted over the whole conversation, not only this page.
  const unread = userId
    ? await ctx.db
        .selectFrom('conversation_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('order_id', '=', order.id)
        .where('sender_id', '<>', userId)
        .$if(mine !== undefined, (q) => q.where('id', '>', mine ?? ''))
        .executeTakeFirstOrThrow()
    : { n: 0 };

  return {
    orderId: order.id,
    orderNo: order.order_no,
    viewerParty: party,
    participants,
    reads: participants.map((p) => ({
      party: p,
      lastReadId: marks.get(p)?.lastReadId ?? null,
      readAt: marks.get(p)?.readAt ?? null,
    })),
    unreadCount: Number(unread.n),
    messages,
    nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** Marks the conversation read up to `lastReadId` (a message of this order); never moves back. */
export async function markRead(
  ctx: Pick<DataContext, 'db' | 'clock'>,
  actor: Actor,
  orderId: string,
  lastReadId: string,
): Promise<ReadMark> {
  const { order, party, userId } = await participant(ctx.db, actor, orderId, false);
  if (!party || !userId) return fail('conversation.read_only');
  const message = await ctx.db
    .selectFrom('conversation_messages')
    .select('id')
    .where('order_id', '=', order.id)
    .where('id', '=', lastReadId)
    .executeTakeFirst();
  if (!message) return fail('conversation.message_not_found', { field: 'lastReadId' });
  const at = ctx.clock.now();
  await unitOfWork(ctx, (trx) => advanceRead(trx, order.id, userId, message.id, at));
  const mark = await ctx.db
    .selectFrom('conversation_reads')
    .select(['last_read_id', 'read_at'])
    .where('order_id', '=', order.id)
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return { orderId: order.id, lastReadId: mark.last_read_id, readAt: mark.read_at };
}

/**
 * An attachment of the order's conversation, for anyone who may read it: its bytes and the type
 * found by content when it was posted. Null when the order has no such attachment.
 */
export async function messageFile(
  ctx: Pick<ConversationContext, 'db' | 'files' | 'clock'>,
  actor: Actor,
  orderId: string,
  fileSha256: string,
): Promise<{ bytes: Buffer; mime: string; name: string; servedSha256: string } | null> {
  const { order } = await participant(ctx.db, actor, orderId, true);
  const row = await ctx.db
    .selectFrom('conversation_messages')
    .select(['mime', 'file_name'])
    .where('order_id', '=', order.id)
    .where('sha256', '=', fileSha256)
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  // The sender gets their original; the other parties an image's copy without location and
  // device metadata (platform/uploads.ts).
  const viewerId = actor.kind === 'user' ? actor.id : null;
  const file = await evidenceForViewer(ctx.db, ctx.files, viewerId, fileSha256, ctx.clock.now());
  if (!file) return null;
  return {
    bytes: file.bytes,
    mime: row.mime ?? 'application/octet-stream',
    name: row.file_name ?? 'file',
    servedSha256: file.shareable.servedSha256,
  };
}
