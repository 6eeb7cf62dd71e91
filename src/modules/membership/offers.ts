/**
 * 超会 and VIP memberships (spec §2): bought with balance for an admin-configured term; member
 * prices apply while one lasts; expiry runs in the sweeper; a purchase stays refundable until the
 * first order at a member price (a benefit consumed), not after.
 */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import { completeDeadline, scheduleDeadline } from '../../platform/deadlines.js';
import { forUpdate, lockUser, now, type Db, type Engine } from '../../platform/db/dialect.js';
import type { MemberLevel, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newOrderedId } from '../../platform/ids.js';
import { getSetting } from '../../platform/settings.js';
import { appendAudit } from '../audit/index.js';

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

/** The level that prices an order now: a lapsed term counts as REGULAR even before the sweeper runs. */
export function effectiveLevel(
  user: Pick<Row<'users'>, 'member_level' | 'level_expires_at'>,
  at: Date,
): MemberLevel {
  if (user.level_expires_at && new Date(user.level_expires_at).getTime() <= at.getTime()) return 'REGULAR';
  return user.member_level;
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

/** The user's level is the highest level among memberships running now; its end is when that lapses. */
export async function recomputeLevel(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  userId: string,
): Promise<void> {
  const user = await forUpdate(
    trx.selectFrom('users').select(['member_level', 'level_expires_at', 'version']).where('id', '=', userId),
    c.engine,
  ).executeTakeFirstOrThrow();
  const running = await trx
    .selectFrom('memberships')
    .selectAll()
    .where('user_id', '=', userId)
    .where('state', '=', 'ACTIVE')
    .where('starts_at', '<=', now(c.at))
    .where('ends_at', '>', now(c.at))
    .execute();
  const has = await trx
    .selectFrom('memberships')
    .select('id')
    .where('user_id', '=', userId)
    .limit(1)
    .executeTakeFirst();
  // A level granted by an admin without a membership (no rows at all) is left as it is.
  if (!has) return;
  const best = running.sort((a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level])[0];
  const level: MemberLevel = best?.level ?? 'REGULAR';
  // Consecutive periods of the same level chain into one end time.
  let end = best ? new Date(best.ends_at).getTime() : null;
  if (best) {
    const queued = await trx
      .selectFrom('memberships')
      .select(['starts_at', 'ends_at'])
      .where('user_id', '=', userId)
      .where('state', '=', 'ACTIVE')
      .where('level', '=', best.level)
      .orderBy('starts_at')
      .execute();
    for (const q of queued)
      if (end !== null && new Date(q.starts_at).getTime() <= end)
        end = Math.max(end, new Date(q.ends_at).getTime());
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

/** Sweeper: a membership period ended. */
export async function expireMembership(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  deadline: Pick<Row<'deadlines'>, 'id' | 'object_id'>,
): Promise<void> {
  const m = await trx
    .selectFrom('memberships')
    .selectAll()
    .where('id', '=', deadline.object_id)
    .executeTakeFirstOrThrow();
  if (m.state === 'ACTIVE') {
    // The member first (lock order, ADR 0004): a refund of this membership holds the member and
    // then updates the membership; so must expiry, or the two would wait for each other.
    await lockUser(trx, c.engine, m.user_id);
    const res = await trx
      .updateTable('memberships')
      .set({ state: 'EXPIRED', version: m.version + 1, updated_at: now(c.at) })
      .where('id', '=', m.id)
      .where('version', '=', m.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) fail('request.conflict');
    await appendAudit(trx, {
      actor: c.actor,
      action: 'membership.expired',
      objectType: 'membership',
      objectId: m.id,
      data: { level: m.level, endsAt: m.ends_at },
      at: c.at,
    });
    await recomputeLevel(trx, c, m.user_id);
  }
  await completeDeadline(trx, deadline.id, c.at);
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
