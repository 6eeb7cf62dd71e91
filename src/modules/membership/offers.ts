/**
 * 超会 and VIP memberships (spec §2): bought with balance for an admin-configured term; member
 * prices apply while one lasts; expiry runs in the sweeper; a purchase stays refundable until the
 * first order at a member price (a benefit consumed), not after.
 */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import { scheduleDeadline } from '../../platform/deadlines.js';
import { sql, type ExpressionBuilder } from 'kysely';
import { forUpdate, lockUser, now, type Db, type Engine } from '../../platform/db/dialect.js';
import type { Database, MemberLevel, Row } from '../../platform/db/schema.js';
import { newOrderedId } from '../../platform/ids.js';
import { getSetting, putSetting } from '../../platform/settings.js';
import { fail } from '../../platform/errors.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { appendAudit } from '../../platform/audit.js';

export const offerSchema = z
  .object({
    level: z.enum(['VIP', 'SUPER']),
    priceFen: z.number().int().min(1),
    termDays: z.number().int().min(1).max(3660),
  })
  .meta({ id: 'MembershipOffer' });
export type Offer = z.infer<typeof offerSchema>;

export const DEFAULT_OFFERS: Offer[] = [
  { level: 'VIP', priceFen: 2_900, termDays: 30 },
  { level: 'SUPER', priceFen: 9_900, termDays: 30 },
];
export const OFFERS_SETTING = 'membership_offers';

export async function listOffers(db: Db): Promise<Offer[]> {
  return (await getSetting<Offer[]>(db, OFFERS_SETTING)) ?? DEFAULT_OFFERS;
}

/** REGULAR < VIP < SUPER. */
export const LEVEL_RANK: Record<MemberLevel, number> = { REGULAR: 1, VIP: 2, SUPER: 3 };

/**
 * The member level a buyer has at an instant follows their membership periods (spec §2): the
 * highest level among ACTIVE periods running then, REGULAR when none runs — whatever order periods
 * start, end or are refunded in. A level granted by an admin without any period is left as it is
 * (it lapses at `level_expires_at` when one is set).
 *
 * `levelColumns` adds what this needs to a query on `users` (two correlated subqueries over the
 * user's periods, indexed by user), so checkout and sessions read it in the statement that already
 * reads the user; `levelOf` is the rule itself.
 */
export function levelColumns(at: Date) {
  const t = now(at);
  return (eb: ExpressionBuilder<Database, 'users'>) => [
    eb
      .selectFrom('memberships')
      .select('memberships.level')
      .whereRef('memberships.user_id', '=', 'users.id')
      .where('memberships.state', '=', 'ACTIVE')
      .where('memberships.starts_at', '<=', t)
      .where('memberships.ends_at', '>', t)
      .orderBy(sql`case memberships.level when 'SUPER' then 3 when 'VIP' then 2 else 1 end`, 'desc')
      .limit(1)
      .as('running_level'),
    eb
      .exists(
        eb
          .selectFrom('memberships')
          .select('memberships.id')
          .whereRef('memberships.user_id', '=', 'users.id'),
      )
      .as('has_periods'),
  ];
}

export interface LevelFacts {
  member_level: MemberLevel;
  level_expires_at: string | null;
  running_level: MemberLevel | null;
  has_periods: number | boolean | null;
}

export function levelOf(u: LevelFacts, at: Date): MemberLevel {
  if (Number(u.has_periods) === 1 || u.has_periods === true) return u.running_level ?? 'REGULAR';
  if (u.level_expires_at && new Date(u.level_expires_at).getTime() <= at.getTime()) return 'REGULAR';
  return u.member_level;
}

/** A user's level at `at`, read with the user; `lock` takes the user's row lock on PostgreSQL. */
export async function memberLevelAt(
  db: Db,
  userId: string,
  at: Date,
  lock?: { engine: Engine },
): Promise<MemberLevel> {
  const q = db
    .selectFrom('users')
    .select(['member_level', 'level_expires_at'])
    .select(levelColumns(at))
    .where('id', '=', userId);
  return levelOf(await (lock ? forUpdate(q, lock.engine) : q).executeTakeFirstOrThrow(), at);
}

/**
 * Adds a membership period for a paid membership order. Buying the level one already has extends
 * it from its current end; buying a higher level starts now. A lower level than the current one is
 * refused (it would buy nothing).
 */
export async function startMembership(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  order: Pick<Row<'orders'>, 'id' | 'buyer_id' | 'membership_level' | 'membership_term_days'>,
): Promise<void> {
  const level = order.membership_level as 'VIP' | 'SUPER';
  const active = await trx
    .selectFrom('memberships')
    .selectAll()
    .where('user_id', '=', order.buyer_id)
    .where('state', '=', 'ACTIVE')
    .execute();
  const sameLevelEnd = active
    .filter((m) => m.level === level)
    .reduce((end, m) => Math.max(end, new Date(m.ends_at).getTime()), c.at.getTime());
  const starts = new Date(sameLevelEnd);
  const ends = new Date(starts.getTime() + order.membership_term_days! * 86_400_000);
  const id = newOrderedId(c.at.getTime());
  await trx
    .insertInto('memberships')
    .values({
      id,
      user_id: order.buyer_id,
      order_id: order.id,
      level,
      starts_at: now(starts),
      ends_at: now(ends),
      state: 'ACTIVE',
      version: 1,
      created_at: now(c.at),
      updated_at: now(c.at),
    })
    .execute();
  await scheduleDeadline(trx, { kind: 'MEMBERSHIP_EXPIRY', objectId: id, dueAt: ends, at: c.at });
  // A period queued after another starts later: the stored level follows it when it starts, even
  // if the period before it is refunded meanwhile (then no expiry would bring it along).
  if (starts.getTime() > c.at.getTime())
    await scheduleDeadline(trx, { kind: 'MEMBERSHIP_START', objectId: id, dueAt: starts, at: c.at });
  await recomputeLevel(trx, c, order.buyer_id);
  await appendAudit(trx, {
    actor: c.actor,
    action: 'membership.started',
    objectType: 'membership',
    objectId: id,
    data: { orderId: order.id, level, startsAt: now(starts), endsAt: now(ends) },
    at: c.at,
  });
}

/**
 * Stores the user's level as of `at` (see `levelOf`), and when it lapses. Sessions and checkout
 * compute the level from the periods themselves; the stored copy (and its audit event) follows
 * every start, end and refund of a period through this function.
 */
export async function recomputeLevel(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  userId: string,
): Promise<void> {
  const user = await forUpdate(
    trx
      .selectFrom('users')
      .select(['member_level', 'level_expires_at', 'version'])
      .select(levelColumns(c.at))
      .where('id', '=', userId),
    c.engine,
  ).executeTakeFirstOrThrow();
  // A level granted by an admin without a membership (no periods at all) is left as it is.
  if (!(Number(user.has_periods) === 1 || user.has_periods === true)) return;
  const level = levelOf(user, c.at);
  // The end of the current level's run: consecutive ACTIVE periods of that level chain into one.
  let end: number | null = null;
  if (level !== 'REGULAR') {
    const same = await trx
      .selectFrom('memberships')
      .select(['starts_at', 'ends_at'])
      .where('user_id', '=', userId)
      .where('state', '=', 'ACTIVE')
      .where('level', '=', level)
      .orderBy('starts_at')
      .execute();
    end = c.at.getTime();
    for (const q of same)
      if (new Date(q.starts_at).getTime() <= end) end = Math.max(end, new Date(q.ends_at).getTime());
  }
  const expires = end === null ? null : now(new Date(end));
  if (user.member_level === level && user.level_expires_at === expires) return;
  await trx
    .updateTable('users')
    .set({ member_level: level, level_expires_at: expires, version: user.version + 1, updated_at: now(c.at) })
    .where('id', '=', userId)
    .execute();
  await appendAudit(trx, {
    actor: c.actor,
    action: 'member_level.changed',
    objectType: 'user',
    objectId: userId,
    data: { from: user.member_level, to: level, expiresAt: expires },
    at: c.at,
  });
}

/** Sweeper: a queued membership period starts. */
export async function startQueuedMembership(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  deadline: Pick<Row<'deadlines'>, 'object_id'>,
): Promise<void> {
  const m = await trx
    .selectFrom('memberships')
    .select(['user_id', 'state'])
    .where('id', '=', deadline.object_id)
    .executeTakeFirstOrThrow();
  if (m.state === 'ACTIVE') {
    await lockUser(trx, c.engine, m.user_id);
    await recomputeLevel(trx, c, m.user_id);
  }
}

/**
 * Refundable while no benefit was consumed: no goods order at a member price placed since the
 * period began. (The refund itself is an after-sales request, Stage 4.)
 */
export async function membershipRefundable(db: Db, m: Row<'memberships'>): Promise<boolean> {
  if (m.state !== 'ACTIVE') return false;
  const used = await db
    .selectFrom('orders')
    .select('id')
    .where('buyer_id', '=', m.user_id)
    .where('kind', '=', 'GOODS')
    .where('member_price', '=', 1)
    .where('state', 'in', ['PENDING_PAYMENT', 'DELIVERED'])
    .where('created_at', '>=', m.created_at)
    .limit(1)
    .executeTakeFirst();
  return !used;
}

export const membershipViewSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    level: z.enum(['VIP', 'SUPER']),
    startsAt: z.string(),
    endsAt: z.string(),
    state: z.enum(['ACTIVE', 'EXPIRED', 'REFUNDED']),
    refundable: z.boolean(),
  })
  .meta({ id: 'Membership' });
export type MembershipView = z.infer<typeof membershipViewSchema>;

/** The buyer's membership periods, newest first, each with whether it is still refundable. */
export async function myMemberships(ctx: { db: Db }, actor: Actor): Promise<MembershipView[]> {
  if (actor.kind !== 'user' || actor.role !== 'buyer') fail('order.buyers_only');
  const rows = await ctx.db
    .selectFrom('memberships')
    .selectAll()
    .where('user_id', '=', actor.id)
    .orderBy('created_at', 'desc')
    .execute();
  const items: MembershipView[] = [];
  for (const m of rows)
    items.push({
      id: m.id,
      orderId: m.order_id,
      level: m.level,
      startsAt: m.starts_at,
      endsAt: m.ends_at,
      state: m.state,
      refundable: await membershipRefundable(ctx.db, m),
    });
  return items;
}

/** An admin sets the levels on sale, each level at most once (a purchase confirms the price and term). */
export async function setOffers(
  ctx: { db: Db; clock: { now(): Date } },
  actor: Actor,
  items: readonly Offer[],
): Promise<Offer[]> {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  const levels = items.map((o) => o.level);
  if (new Set(levels).size !== levels.length) fail('validation.invalid', { field: 'items' });
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    await putSetting(trx, OFFERS_SETTING, items, at);
    await appendAudit(trx, {
      actor,
      action: 'membership.offers_changed',
      objectType: 'settings',
      objectId: OFFERS_SETTING,
      data: { items },
      at,
    });
  });
  return listOffers(ctx.db);
}
