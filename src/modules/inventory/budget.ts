/**
 * The reveal budget: keys a user may reveal per fixed window (platform rules `revealBudgetKeys`
 * per `revealBudgetWindowMinutes`; 2,000 an hour by default). Counted in keys, not requests — a
 * bulk reveal of N keys spends N, a single reveal 1 — and per user, not per address, so buyers
 * behind one NAT never share it. The window is one row per user charged by one atomic upsert
 * inside the reveal's own transaction: every app instance shares it, concurrent reveals each add
 * their own, and a reveal that fails (refused, over budget) gives its keys back with the rollback.
 */
import { sql } from 'kysely';
import { now, type Db } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import { shanghaiDateTime } from '../../platform/calendar.js';
import { getPlatformRules } from '../../platform/settings.js';

export interface BudgetState {
  limit: number;
  windowMinutes: number;
  spent: number;
  resetAt: string;
}

/** Spends `keys` from the user's window, or fails 429 `inventory.reveal_budget_exceeded`. */
export async function spendRevealBudget(
  trx: Db,
  userId: string,
  keys: number,
  at: Date,
): Promise<BudgetState> {
  const rules = await getPlatformRules(trx);
  const windowMs = rules.revealBudgetWindowMinutes * 60_000;
  const expired = now(new Date(at.getTime() - windowMs));
  const start = sql.ref('reveal_budget.window_start');
  const row = await trx
    .insertInto('reveal_budget')
    .values({ user_id: userId, spent: keys, window_start: now(at) })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({
        spent: sql<number>`case when ${start} <= ${expired} then ${keys} else ${sql.ref('reveal_budget.spent')} + ${keys} end`,
        window_start: sql<string>`case when ${start} <= ${expired} then ${now(at)} else ${start} end`,
      }),
    )
    .returning(['spent', 'window_start'])
    .executeTakeFirstOrThrow();
  const spent = Number(row.spent);
  const reset = new Date(new Date(row.window_start).getTime() + windowMs);
  if (spent > rules.revealBudgetKeys) {
    const remaining = Math.max(0, rules.revealBudgetKeys - (spent - keys));
    const resetText = shanghaiDateTime(reset);
    fail('inventory.reveal_budget_exceeded', {
      params: {
        limit: rules.revealBudgetKeys,
        minutes: rules.revealBudgetWindowMinutes,
        wanted: keys,
        remaining,
        resetAt: { zh: `${resetText}（北京时间）`, en: `${resetText} (Beijing time)` },
      },
      headers: { 'retry-after': String(Math.max(1, Math.ceil((reset.getTime() - at.getTime()) / 1000))) },
      data: {
        limit: rules.revealBudgetKeys,
        windowMinutes: rules.revealBudgetWindowMinutes,
        wanted: keys,
        remaining,
        resetAt: reset.toISOString(),
      },
    });
  }
  return {
    limit: rules.revealBudgetKeys,
    windowMinutes: rules.revealBudgetWindowMinutes,
    spent,
    resetAt: reset.toISOString(),
  };
}
