/** Member levels (REGULAR → VIP → SUPER/超会) and their per-order quantity limits, set by admins. */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { MemberLevel } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { appendAudit } from '../../platform/audit.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export const levelViewSchema = z
  .object({
    level: z.enum(['REGULAR', 'VIP', 'SUPER']),
    rank: z.number().int(),
    nameZh: z.string(),
    nameEn: z.string(),
    maxQtyPerOrder: z.number().int(),
  })
  .meta({ id: 'MemberLevel' });
export type LevelView = z.infer<typeof levelViewSchema>;

export const DEFAULT_LEVELS: LevelView[] = [
  { level: 'REGULAR', rank: 1, nameZh: '普通会员', nameEn: 'Regular', maxQtyPerOrder: 10 },
  { level: 'VIP', rank: 2, nameZh: 'VIP 会员', nameEn: 'VIP', maxQtyPerOrder: 100 },
  { level: 'SUPER', rank: 3, nameZh: '超级会员（超会）', nameEn: 'Super member', maxQtyPerOrder: 1000 },
];

/** Inserts the default levels where missing (first start). */
export async function ensureLevels(db: Db, at: Date): Promise<void> {
  for (const l of DEFAULT_LEVELS) {
    await db
      .insertInto('member_levels')
      .values({
        level: l.level,
        rank: l.rank,
        name_zh: l.nameZh,
        name_en: l.nameEn,
        max_qty_per_order: l.maxQtyPerOrder,
        updated_at: now(at),
      })
      .onConflict((oc) => oc.column('level').doNothing())
      .execute();
  }
}

/** The level table with its limits (shown to staff and merchants; buyers see the limits on prices). */
export async function levelTable(ctx: { db: Db }, actor: Actor): Promise<LevelView[]> {
  const allowed = actor.kind === 'user' && ['admin', 'support', 'merchant'].includes(actor.role);
  if (!allowed) fail('auth.forbidden');
  return listLevels(ctx.db);
}

export async function listLevels(db: Db): Promise<LevelView[]> {
  const rows = await db.selectFrom('member_levels').selectAll().orderBy('rank').execute();
  return rows.map((r) => ({
    level: r.level,
    rank: r.rank,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    maxQtyPerOrder: r.max_qty_per_order,
  }));
}

export const levelPatchSchema = z.strictObject({ maxQtyPerOrder: z.number().int().min(1).max(100000) });

/** Higher levels must keep limits at least as large as lower ones (spec §2). */
export async function updateLevel(
  ctx: DataContext,
  actor: Actor,
  level: MemberLevel,
  patch: z.infer<typeof levelPatchSchema>,
): Promise<LevelView[]> {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    const levels = await listLevels(trx);
    const target = levels.find((l) => l.level === level) ?? fail('catalog.level_not_found');
    const next = levels.map((l) => (l.level === level ? { ...l, maxQtyPerOrder: patch.maxQtyPerOrder } : l));
    for (let i = 1; i < next.length; i++) {
      if (next[i].maxQtyPerOrder < next[i - 1].maxQtyPerOrder) {
        fail('membership.limits_not_ascending', { field: 'maxQtyPerOrder' });
      }
    }
    await trx
      .updateTable('member_levels')
      .set({ max_qty_per_order: patch.maxQtyPerOrder, updated_at: now(at) })
      .where('level', '=', level)
      .execute();
    await appendAudit(trx, {
      actor,
      action: 'member_level.updated',
      objectType: 'member_level',
      objectId: level,
      data: { from: target.maxQtyPerOrder, to: patch.maxQtyPerOrder },
      at,
    });
  });
  return listLevels(ctx.db);
}
