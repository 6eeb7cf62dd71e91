/**
 * The notification centre (站内信): each user sees and marks only their own notifications.
 */
import { z } from 'zod';
import { cursorSchema } from '../../platform/http/schemas.js';
import type { UserActor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';

const PAGE = 50;

export const notificationSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    title: z.object({ zh: z.string(), en: z.string() }),
    body: z.object({ zh: z.string(), en: z.string() }),
    link: z.string().nullable(),
    object: z.object({ type: z.string(), id: z.string() }).nullable(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .meta({ id: 'Notification' });
export type NotificationView = z.infer<typeof notificationSchema>;

export const notificationPageSchema = z.object({
  items: z.array(notificationSchema),
  nextCursor: z.string().nullable(),
  unreadCount: z.number().int(),
});
export type NotificationPage = z.infer<typeof notificationPageSchema>;

export const notificationQuerySchema = z.strictObject({
  cursor: cursorSchema.optional().describe('The previous page’s nextCursor: older notifications'),
  unread: z.enum(['true', 'false']).optional().describe('true: only unread ones'),
});

export const markNotificationsReadSchema = z.union([
  z.strictObject({ ids: z.array(z.string().min(1).max(64)).min(1).max(200) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type MarkNotificationsRead = z.infer<typeof markNotificationsReadSchema>;

const toView = (n: Row<'notifications'>): NotificationView => ({
  id: n.id,
  kind: n.kind,
  title: { zh: n.title_zh, en: n.title_en },
  body: { zh: n.body_zh, en: n.body_en },
  link: n.link,
  object: n.object_type && n.object_id ? { type: n.object_type, id: n.object_id } : null,
  createdAt: n.created_at,
  readAt: n.read_at,
});

async function unreadCount(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The user's latest 50 notifications (newest first), the next page's cursor, and the unread count. */
export async function listNotifications(
  ctx: Pick<DataContext, 'db'>,
  user: UserActor,
  query: { cursor?: string | undefined; unreadOnly?: boolean | undefined } = {},
): Promise<NotificationPage> {
  const rows = await ctx.db
    .selectFrom('notifications')
    .selectAll()
    .where('user_id', '=', user.id)
    .$if(query.cursor !== undefined, (q) => q.where('id', '<', query.cursor ?? ''))
    .$if(query.unreadOnly === true, (q) => q.where('read_at', 'is', null))
    .orderBy('id', 'desc')
    .limit(PAGE + 1)
    .execute();
  const page = rows.slice(0, PAGE);
  return {
    items: page.map(toView),
    nextCursor: rows.length > PAGE ? (page.at(-1)?.id ?? null) : null,
    unreadCount: await unreadCount(ctx.db, user.id),
  };
}

/** Marks the user's own notifications read (ids of others' are ignored); returns how many changed. */
export async function markNotificationsRead(
  ctx: Pick<DataContext, 'db' | 'clock'>,
  user: UserActor,
  input: MarkNotificationsRead,
): Promise<{ updated: number; unreadCount: number }> {
  const res = await ctx.db
    .updateTable('notifications')
    .set({ read_at: now(ctx.clock.now()) })
    .where('user_id', '=', user.id)
    .where('read_at', 'is', null)
    .$if('ids' in input, (q) => q.where('id', 'in', 'ids' in input ? input.ids : []))
    .executeTakeFirst();
  return { updated: Number(res.numUpdatedRows), unreadCount: await unreadCount(ctx.db, user.id) };
}
