/**
 * A database that once held the demo seed keeps its accounts, whose password is published in the
 * README and printed by every demo start. Started without the demo (production, or real secrets),
 * every demo account still using that password is disabled — its sessions stop working at once —
 * with an audit event, and the caller warns loudly. An account whose password was changed is left
 * alone: its owner took it over.
 */
import { systemActor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { now } from '../../platform/db/dialect.js';
import { getSetting } from '../../platform/settings.js';
import { verifyPassword } from '../accounts/passwords.js';
import { appendAudit } from '../audit/index.js';
import { DEMO_LOGINS, DEMO_PASSWORD } from './seed.js';

/** Returns the usernames disabled now (empty when the demo was never seeded or is already retired). */
export async function retireDemoLogins(ctx: DataContext): Promise<string[]> {
  if (!(await getSetting<boolean>(ctx.db, 'demo_seeded'))) return [];
  const users = await ctx.db
    .selectFrom('users')
    .select(['id', 'username', 'password_hash', 'version'])
    .where(
      'username',
      'in',
      DEMO_LOGINS.map((l) => l.username),
    )
    .where('status', '=', 'ACTIVE')
    .execute();
  const published: typeof users = [];
  // Checked outside any transaction: argon2 takes a while and must not hold the database.
  for (const u of users) if (await verifyPassword(u.password_hash, DEMO_PASSWORD)) published.push(u);
  if (published.length === 0) return [];
  const at = ctx.clock.now();
  const actor = systemActor('demo-retirement');
  await ctx.db.transaction().execute(async (trx) => {
    for (const u of published) {
      const res = await trx
        .updateTable('users')
        .set({ status: 'DISABLED', version: u.version + 1, updated_at: now(at) })
        .where('id', '=', u.id)
        .where('version', '=', u.version)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue; // changed meanwhile (another instance retired it)
      await trx.deleteFrom('sessions').where('user_id', '=', u.id).execute();
      await appendAudit(trx, {
        actor,
        action: 'user.disabled',
        objectType: 'user',
        objectId: u.id,
        data: { reason: 'DEMO_PASSWORD_PUBLISHED', username: u.username },
        at,
      });
    }
  });
  return published.map((u) => u.username);
}
