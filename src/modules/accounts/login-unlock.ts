/**
 * The admin unlock (ADR 0010): lifts every login throttle on an account — the cool-down and each
 * address's back-off, under its username and its e-mail address — for an owner who cannot wait or
 * reach their mailbox. Audited with the admin and how many counters it removed.
 */
import type { Actor } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import type { DataContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { clearLoginThrottle } from './throttle.js';
import { usernameKey } from './users.js';

export async function unlockLogin(
  ctx: Pick<DataContext, 'db' | 'engine' | 'clock'>,
  actor: Actor,
  userId: string,
): Promise<{ cleared: number }> {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  return unitOfWork(ctx, async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'username', 'email'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!user) fail('catalog.user_not_found');
    const logins = [user.username, ...(user.email ? [user.email] : [])].map(usernameKey);
    const cleared = await clearLoginThrottle(trx, logins);
    await appendAudit(trx, {
      actor,
      action: 'user.login_unlocked',
      objectType: 'user',
      objectId: user.id,
      data: { cleared },
      at: ctx.clock.now(),
    });
    return { cleared };
  });
}
