/**
 * Reading the audit log (Stage 8 console): search by object, actor, action and time, newest first,
 * paged by a cursor over `seq` (each filter has its index: object, actor, action, at). Events
 * never carry secrets — passwords, tokens and key secrets are not written to them (tested) — and
 * as a second line any field whose name says it holds one is masked before it leaves.
 * Break-glass reveals (an admin reading a key's secret for a written reason) are listed with the
 * key's masked serial, its unit and product.
 */
import { z } from 'zod';
import type { Actor, UserActor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { fromJson } from '../../platform/db/dialect.js';
import { isoDateTime } from '../../platform/http/schemas.js';
import { fail } from '../../platform/errors.js';

function asAdmin(actor: Actor): UserActor {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  return actor;
}

export const auditQuerySchema = z.strictObject({
  objectType: z.string().trim().min(1).max(60).optional(),
  objectId: z.string().trim().min(1).max(200).optional(),
  actorId: z.string().trim().min(1).max(100).optional(),
  /** An action (`user.disabled`) or a prefix ending in a dot (`refund.`). */
  action: z.string().trim().min(1).max(100).optional(),
  from: isoDateTime().optional(),
  to: isoDateTime().optional(),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const auditEventSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorRole: z.string(),
  /** The acting user's username, when the actor is a user. */
  actorName: z.string().nullable(),
  action: z.string(),
  objectType: z.string(),
  objectId: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;

export const auditPageSchema = z.object({
  items: z.array(auditEventSchema),
  nextCursor: z.string().nullable(),
});

const SECRET_FIELD = /secret|password|passwd|ciphertext|^token$|sessionkey|credential/i;

/** Masks any field whose name says it holds a secret (none should: this is the second line). */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_FIELD.test(k) && (typeof v === 'string' || typeof v === 'number')
          ? '[REDACTED]'
          : maskSecrets(v),
      ]),
    );
  return value;
}

function parseData(text: string): Record<string, unknown> {
  try {
    const v = fromJson<unknown>(text);
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (maskSecrets(v) as Record<string, unknown>)
      : { value: v };
  } catch {
    return {};
  }
}

export async function searchAudit(
  ctx: Pick<AppContext, 'db'>,
  actor: Actor,
  query: z.infer<typeof auditQuerySchema>,
): Promise<z.infer<typeof auditPageSchema>> {
  asAdmin(actor);
  let before: number | null = null;
  if (query.cursor !== undefined) {
    before = Number(query.cursor);
    if (!Number.isSafeInteger(before) || before < 1) fail('admin.audit_cursor_invalid', { field: 'cursor' });
  }
  const action = query.action;
  const rows = await ctx.db
    .selectFrom('audit_events')
    .leftJoin('users', 'users.id', 'audit_events.actor_id')
    .select([
      'audit_events.seq',
      'audit_events.id',
      'audit_events.at',
      'audit_events.actor_id',
      'audit_events.actor_role',
      'audit_events.action',
      'audit_events.object_type',
      'audit_events.object_id',
      'audit_events.data',
      'users.username',
    ])
    .$if(query.objectType !== undefined, (q) => q.where('audit_events.object_type', '=', query.objectType!))
    .$if(query.objectId !== undefined, (q) => q.where('audit_events.object_id', '=', query.objectId!))
    .$if(query.actorId !== undefined, (q) => q.where('audit_events.actor_id', '=', query.actorId!))
    .$if(action !== undefined && !action.endsWith('.'), (q) => q.where('audit_events.action', '=', action!))
    .$if(action !== undefined && action.endsWith('.'), (q) =>
      q
        .where('audit_events.action', '>=', action!)
        // every action under the prefix sorts before the prefix with its dot bumped to '/'
        .where('audit_events.action', '<', `${action!.slice(0, -1)}/`),
    )
    .$if(query.from !== undefined, (q) =>
      q.where('audit_events.at', '>=', new Date(query.from!).toISOString()),
    )
    .$if(query.to !== undefined, (q) => q.where('audit_events.at', '<', new Date(query.to!).toISOString()))
    .$if(before !== null, (q) => q.where('audit_events.seq', '<', before!))
    .orderBy('audit_events.seq', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => ({
      seq: Number(r.seq),
      id: r.id,
      at: r.at,
      actorId: r.actor_id,
      actorRole: r.actor_role,
      actorName: r.username,
      action: r.action,
      objectType: r.object_type,
      objectId: r.object_id,
      data: parseData(r.data),
    })),
    nextCursor: rows.length > query.limit ? String(page[page.length - 1].seq) : null,
  };
}

export const revealViewSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  keyId: z.string(),
  serialMasked: z.string().nullable(),
  unitId: z.string().nullable(),
  productId: z.string().nullable(),
  productName: z.string().nullable(),
  merchantName: z.string().nullable(),
  reason: z.string(),
});

/** Every break-glass reveal, newest first (at most `limit`). */
export async function breakGlassReveals(
  ctx: Pick<AppContext, 'db'>,
  actor: Actor,
  limit: number,
): Promise<z.infer<typeof revealViewSchema>[]> {
  asAdmin(actor);
  const rows = await ctx.db
    .selectFrom('audit_events')
    .leftJoin('users', 'users.id', 'audit_events.actor_id')
    .leftJoin('keys', 'keys.id', 'audit_events.object_id')
    .leftJoin('products', 'products.id', 'keys.product_id')
    .leftJoin('merchants', 'merchants.id', 'keys.merchant_id')
    .select([
      'audit_events.seq',
      'audit_events.at',
      'audit_events.actor_id',
      'audit_events.object_id',
      'audit_events.data',
      'users.username',
      'keys.serial_masked',
      'keys.unit_id',
      'keys.product_id',
      'products.name as product_name',
      'merchants.name as merchant_name',
    ])
    .where('audit_events.action', '=', 'key.break_glass_revealed')
    .orderBy('audit_events.seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const data = parseData(r.data);
    return {
      seq: Number(r.seq),
      at: r.at,
      actorId: r.actor_id,
      actorName: r.username,
      keyId: r.object_id,
      serialMasked: r.serial_masked,
      unitId: r.unit_id,
      productId: r.product_id,
      productName: r.product_name,
      merchantName: r.merchant_name,
      reason: typeof data.reason === 'string' ? data.reason : '',
    };
  });
}
