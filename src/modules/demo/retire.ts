/**
 * A database that once held the demo seed keeps its accounts, whose password is published in the
 * README and printed by every demo start. Started without the demo (production, or real secrets),
 * every demo account still using that password is disabled — its sessions stop working at once —
 * with an audit event — and the API tokens it issued to issuers or channels are revoked — and the
 * caller warns loudly. An account whose password was changed is left
 * alone: its owner took it over.
 */
import { systemActor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { DomainError } from '../../platform/errors.js';
import { getSetting } from '../../platform/settings.js';
import { revokeApiToken, userMachine, verifyPassword } from '../accounts/index.js';
import { DEMO_LOGINS, DEMO_PASSWORD } from './seed.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

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
  const retired: string[] = [];
  for (const u of published) {
    try {
      await unitOfWork(ctx, async (trx) => {
        await userMachine.transition(trx, {
          row: { id: u.id, status: 'ACTIVE', version: u.version },
          to: 'DISABLED',
          by: 'system',
          actor,
          at,
          data: { reason: 'DEMO_PASSWORD_PUBLISHED', username: u.username },
        });
        await trx.deleteFrom('sessions').where('user_id', '=', u.id).execute();
        // Tokens it issued for issuers and channels belong to no user: revoked with it.
        const issued = await trx
          .selectFrom('api_tokens')
          .select('id')
          .where('created_by', '=', u.id)
          .where('revoked_at', 'is', null)
          .execute();
        for (const t of issued) await revokeApiToken({ ...ctx, db: trx }, actor, t.id);
      });
      retired.push(u.username);
    } catch (error) {
      // another instance starting at the same moment retired it first
      if (!(error instanceof DomainError && error.code === 'request.conflict')) throw error;
    }
  }
  return retired;
}
