/**
 * API tokens for merchants, issuers and channel connectors. The token is shown once at creation;
 * only its SHA-256 is stored, with a short prefix so owners can tell tokens apart.
 */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import { authorize } from './authz.js';
import type { DataContext } from '../../platform/context.js';
import { constraintKind, now } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import type { TokenScope } from '../../platform/db/schema.js';
import { newId, randomToken, sha256 } from '../../platform/ids.js';
import { appendAudit } from '../../platform/audit.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export const TOKEN_PREFIX = 'kmt_';

export async function createApiToken(
  ctx: DataContext,
  actor: Actor,
  input: {
    name: string;
    scope: TokenScope;
    userId: string | null;
    merchantId: string | null;
    createdBy: string;
  },
): Promise<{ id: string; token: string; prefix: string }> {
  const at = ctx.clock.now();
  const token = `${TOKEN_PREFIX}${randomToken()}`;
  const id = newId();
  const prefix = token.slice(0, TOKEN_PREFIX.length + 6);
  await unitOfWork(ctx, async (trx) => {
    await insertToken(
      trx
        .insertInto('api_tokens')
        .values({
          id,
          token_hash: sha256(token),
          prefix,
          name: input.name,
          scope: input.scope,
          user_id: input.userId,
          merchant_id: input.merchantId,
          created_by: input.createdBy,
          created_at: now(at),
          last_used_at: null,
          revoked_at: null,
        })
        .execute(),
    );
    await appendAudit(trx, {
      actor,
      action: 'api_token.created',
      objectType: 'api_token',
      objectId: id,
      data: { name: input.name, scope: input.scope, merchantId: input.merchantId, prefix },
      at,
    });
  });
  return { id, token, prefix };
}

/** Runs the insert, turning constraint violations into answers naming the field. */
async function insertToken(insert: Promise<unknown>): Promise<void> {
  try {
    await insert;
  } catch (error) {
    const kind = constraintKind(error);
    if (kind === 'unique') fail('auth.token_name_taken', { field: 'name' });
    if (kind === 'foreign_key') fail('catalog.merchant_not_found', { field: 'merchantId' });
    throw error;
  }
}

export async function resolveApiToken(
  ctx: DataContext,
  token: string,
): Promise<Extract<Actor, { kind: 'token' }> | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await ctx.db
    .selectFrom('api_tokens')
    .leftJoin('users', 'users.id', 'api_tokens.user_id')
    .leftJoin('merchants', 'merchants.id', 'api_tokens.merchant_id')
    .select([
      'api_tokens.id',
      'api_tokens.scope',
      'api_tokens.user_id',
      'api_tokens.merchant_id',
      'api_tokens.revoked_at',
      'users.status as user_status',
      'merchants.status as merchant_status',
    ])
    .where('api_tokens.token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!row || row.revoked_at) return null;
  // A token is only as good as its owner: a disabled user or a suspended shop disables it too.
  if (row.user_id && row.user_status !== 'ACTIVE') return null;
  if (row.merchant_id && row.merchant_status !== 'ACTIVE') return null;
  await ctx.db
    .updateTable('api_tokens')
    .set({ last_used_at: now(ctx.clock.now()) })
    .where('id', '=', row.id)
    .execute();
  return {
    kind: 'token',
    tokenId: row.id,
    scope: row.scope,
    userId: row.user_id,
    merchantId: row.merchant_id,
  };
}

export async function revokeApiToken(ctx: DataContext, actor: Actor, id: string): Promise<boolean> {
  const at = ctx.clock.now();
  return unitOfWork(ctx, async (trx) => {
    const res = await trx
      .updateTable('api_tokens')
      .set({ revoked_at: now(at) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await appendAudit(trx, { actor, action: 'api_token.revoked', objectType: 'api_token', objectId: id, at });
    return true;
  });
}

export const tokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scope: z.enum(['merchant', 'issuer', 'channel']),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type TokenView = z.infer<typeof tokenViewSchema>;

/** A merchant creates a token for its own systems (key imports, activation reports). */
export function createMerchantToken(
  ctx: DataContext,
  actor: Actor,
  name: string,
): Promise<{ id: string; token: string; prefix: string }> {
  if (actor.kind !== 'user' || actor.role !== 'merchant' || !actor.merchantId) fail('catalog.not_merchant');
  return createApiToken(ctx, actor, {
    name,
    scope: 'merchant',
    userId: actor.id,
    merchantId: actor.merchantId,
    createdBy: actor.id,
  });
}

/** An admin issues a token to an issuer or a channel connector (optionally bound to a shop). */
export function createIntegrationToken(
  ctx: DataContext,
  actor: Actor,
  input: { name: string; scope: 'issuer' | 'channel'; merchantId?: string | undefined },
): Promise<{ id: string; token: string; prefix: string }> {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  return createApiToken(ctx, actor, {
    name: input.name,
    scope: input.scope,
    userId: null,
    merchantId: input.merchantId ?? null,
    createdBy: actor.id,
  });
}

/** The merchant's own tokens (hashes only: a token's secret is shown once, at creation). */
export async function listMerchantTokens(ctx: Pick<DataContext, 'db'>, actor: Actor): Promise<TokenView[]> {
  if (actor.kind !== 'user' || actor.role !== 'merchant' || !actor.merchantId) fail('catalog.not_merchant');
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('merchant_id', '=', actor.merchantId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scope: r.scope,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export const integrationTokenViewSchema = tokenViewSchema.extend({
  /** The shop an integration token is bound to, if any. */
  merchantId: z.string().nullable(),
});
export type IntegrationTokenView = z.infer<typeof integrationTokenViewSchema>;

/** The integration tokens admins issued (issuers, channel connectors); hashes only, newest first. */
export async function listIntegrationTokens(
  ctx: Pick<DataContext, 'db'>,
  actor: Actor,
): Promise<IntegrationTokenView[]> {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('scope', 'in', ['issuer', 'channel'])
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scope: r.scope,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    merchantId: r.merchant_id,
  }));
}

/** Revokes a token its owner (or an admin) names; anyone else gets the token's 404. */
export async function revokeToken(ctx: DataContext, actor: Actor, id: string): Promise<void> {
  const row = await ctx.db
    .selectFrom('api_tokens')
    .select(['user_id', 'merchant_id'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) fail('request.not_found');
  authorize(
    actor,
    'update',
    { type: 'api_token', userId: row.user_id, merchantId: row.merchant_id },
    'request.not_found',
  );
  await revokeApiToken(ctx, actor, id);
}
