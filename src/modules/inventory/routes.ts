/** The inventory over HTTP: key imports, stock, key lists and timelines, reveals, the activation registry. */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import type { Config } from '../../platform/config.js';
import { fail } from '../../platform/errors.js';
import { rethrowUploadError } from '../../platform/http/multipart.js';
import { actorOf, userOf } from '../../platform/http/auth.js';
import { perUser } from '../../platform/http/rate-limit.js';
import { assertNoNul } from '../../platform/http/edge.js';
import { idParams, isoDateTime, problems } from '../../platform/http/schemas.js';
import { assertCanImport, BackgroundImports, instanceUploadDir } from './import.js';
import { confirmKeyInvalid, voidKey } from './key-admin.js';
import { keyStateSchema } from './lifecycle.js';
import type { ImportFormat } from './parse.js';
import {
  batchSchema,
  getBatch,
  keyRowSchema,
  listBatches,
  listProductKeys,
  myStock,
  myUnits,
  setLowStockThreshold,
  stockSchema,
  timeline,
  timelineSchema,
  unitSchema,
} from './queries.js';
import { credentialsSchema, checkKey, keyStatusSchema, redeemKey, reportActivation } from './registry.js';
import { breakGlassReveal, revealUnit } from './reveal.js';
import { MAX_BULK_REVEAL, revealOrderUnits } from './bulk-reveal.js';

/**
 * Streams a multipart key file (optional field `format`, then file `file`) to a private temp file
 * under the data directory — bounded memory, size-limited, swept at start so a crash cannot leave
 * plaintext keys behind for long. The HTTP side of an import; the import itself runs elsewhere.
 */
async function receiveKeyFile(
  req: FastifyRequest,
  config: Pick<Config, 'dataDir' | 'importMaxBytes'>,
): Promise<{ file: string; dir: string; fileName: string | null; format: ImportFormat; size: number }> {
  const tooLarge = () =>
    fail('inventory.file_too_large', {
      field: 'file',
      params: { limit: `${Math.round(config.importMaxBytes / 2 ** 20)} MiB` },
    });
  await mkdir(instanceUploadDir(config.dataDir), { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(path.join(instanceUploadDir(config.dataDir), 'import-'));
  const file = path.join(dir, 'upload');
  let format: ImportFormat = 'auto';
  let fileName: string | null = null;
  let received = false;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'field') {
        if (part.fieldname === 'format') {
          const parsed = z.enum(['auto', 'text', 'csv']).safeParse(part.value);
          if (!parsed.success)
            fail('validation.invalid_value', { field: 'format', params: { options: 'auto, text, csv' } });
          format = parsed.data;
        }
        continue;
      }
      if (part.fieldname !== 'file' || received) {
        part.file.resume();
        continue;
      }
      received = true;
      assertNoNul('file', part.filename);
      fileName = part.filename ? path.basename(part.filename).slice(0, 200) : null;
      await pipeline(part.file, createWriteStream(file, { mode: 0o600 }));
      if (part.file.truncated) tooLarge();
    }
    if (!received) fail('inventory.file_missing', { field: 'file' });
    const size = (await stat(file)).size;
    if (size === 0) fail('inventory.file_empty', { field: 'file' });
    return { file, dir, fileName, format, size };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') tooLarge();
    rethrowUploadError(error);
  }
}

const requestInfo = (req: FastifyRequest) => ({
  ip: req.ip,
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
});

export function inventoryRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const imports = new BackgroundImports(ctx);

  return async (app) => {
    app.addHook('onClose', () => imports.drain());

    app.post(
      '/merchant/products/:id/imports',
      {
        config: { owner: 'product', auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary:
            'Upload a key file (multipart: optional field `format`, then file `file`); the import runs in the background',
          consumes: ['multipart/form-data'],
          params: idParams,
          response: { 202: batchSchema, ...problems(400, 401, 403, 404, 413, 415) },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        if (!req.isMultipart()) fail('request.unsupported_media_type');
        // Who may import is settled before a byte of the upload is stored.
        await assertCanImport(ctx, actor, req.params.id);
        const upload = await receiveKeyFile(req, ctx.config);
        const batch = await imports.start(actor, { productId: req.params.id, ...upload });
        return reply.code(202).send(await getBatch(ctx, actor, batch.id));
      },
    );

    app.get(
      '/merchant/imports',
      {
        config: { auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary: 'The merchant’s import batches, newest first',
          querystring: z.strictObject({ productId: z.string().max(64).optional() }),
          response: { 200: z.object({ items: z.array(batchSchema) }), ...problems(401, 403) },
        },
      },
      async (req) => ({ items: await listBatches(ctx, actorOf(req), req.query.productId) }),
    );

    app.get(
      '/merchant/imports/:id',
      {
        config: { owner: 'import', auth: { users: ['merchant', 'support', 'admin'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary:
            'One import batch: progress, counts and rejected lines (line number and reason, never content)',
          params: idParams,
          response: { 200: batchSchema, ...problems(401, 404) },
        },
      },
      async (req) => getBatch(ctx, actorOf(req), req.params.id),
    );

    app.get(
      '/merchant/stock',
      {
        config: { auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary: 'Stock per product: available, reserved, sold, invalid, voided, low-stock flag',
          response: { 200: z.object({ items: z.array(stockSchema) }), ...problems(401, 403) },
        },
      },
      async (req) => ({ items: await myStock(ctx, actorOf(req)) }),
    );

    app.patch(
      '/merchant/products/:id/stock-settings',
      {
        config: { owner: 'product', auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary: 'Set the low-stock notice threshold (null turns it off)',
          params: idParams,
          body: z.strictObject({ lowStockThreshold: z.number().int().min(0).max(10_000_000).nullable() }),
          response: { 200: stockSchema, ...problems(400, 401, 403, 404) },
        },
      },
      async (req) => setLowStockThreshold(ctx, actorOf(req), req.params.id, req.body.lowStockThreshold),
    );

    app.get(
      '/merchant/products/:id/keys',
      {
        config: { owner: 'product', auth: { users: ['merchant', 'support', 'admin'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary: 'The product’s keys, masked, in import order',
          params: idParams,
          querystring: z.strictObject({
            state: keyStateSchema.optional(),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            after: z.string().max(64).optional(),
          }),
          response: { 200: z.object({ items: z.array(keyRowSchema) }), ...problems(400, 401, 404) },
        },
      },
      async (req) => ({ items: await listProductKeys(ctx, actorOf(req), req.params.id, req.query) }),
    );

    app.post(
      '/merchant/keys/:id/void',
      {
        config: { owner: 'key', auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary: 'Withdraw a key from stock (AVAILABLE → VOIDED)',
          params: idParams,
          body: z.strictObject({}),
          response: { 200: keyRowSchema, ...problems(401, 404, 409) },
        },
      },
      async (req) => voidKey(ctx, actorOf(req), req.params.id),
    );

    const invalidBody = z.strictObject({
      reason: z.string().trim().min(2).max(500),
      replace: z.boolean().default(false),
    });
    app.post(
      '/merchant/keys/:id/invalid',
      {
        config: { owner: 'key', auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary: 'Confirm a key defective (→ INVALID), optionally delivering a replacement to its unit',
          params: idParams,
          body: invalidBody,
          response: { 200: keyRowSchema, ...problems(400, 401, 404, 409) },
        },
      },
      async (req) => confirmKeyInvalid(ctx, actorOf(req), req.params.id, req.body, false),
    );

    app.post(
      '/support/keys/:id/invalid',
      {
        config: { auth: { users: ['support', 'admin'] } },
        schema: {
          tags: ['inventory'],
          summary: 'Support confirms a key defective (→ INVALID), optionally delivering a replacement',
          params: idParams,
          body: invalidBody,
          response: { 200: keyRowSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => confirmKeyInvalid(ctx, actorOf(req), req.params.id, req.body, true),
    );

    app.get(
      '/keys/:id/timeline',
      {
        config: { owner: 'key', auth: { users: ['merchant', 'support', 'admin'], tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary: 'A key’s history (merchant: own keys, masked; support and admin: any)',
          params: idParams,
          response: { 200: timelineSchema, ...problems(401, 404) },
        },
      },
      async (req) => timeline(ctx, actorOf(req), { keyId: req.params.id }),
    );

    app.get(
      '/units/:id/timeline',
      {
        config: { owner: 'unit', auth: { users: 'any', tokens: ['merchant'] } },
        schema: {
          tags: ['inventory'],
          summary: 'The history of the key of one of the buyer’s units',
          params: idParams,
          response: { 200: timelineSchema, ...problems(401, 404) },
        },
      },
      async (req) => timeline(ctx, actorOf(req), { unitId: req.params.id }),
    );

    app.get(
      '/me/units',
      {
        config: { auth: { users: ['buyer'] } },
        schema: {
          tags: ['inventory'],
          summary: 'The buyer’s delivered units with key state and the policy bought under',
          response: { 200: z.object({ items: z.array(unitSchema) }), ...problems(401) },
        },
      },
      async (req) => ({ items: await myUnits(ctx, actorOf(req)) }),
    );

    const revealedSchema = z.object({
      unitId: z.string(),
      serial: z.string().nullable(),
      secret: z.string(),
      firstReveal: z.boolean(),
      revealedAt: z.string(),
    });
    // Reveals are held by the user's key budget (budget.ts: keys per user per window, shared by
    // every instance), not by a per-address request limit: buyers behind one NAT stay independent.
    app.post(
      '/units/:id/reveal',
      {
        schema: {
          tags: ['inventory'],
          summary:
            'Reveal the key of one of the buyer’s units; the first reveal unseals it (拆封). Spends 1 key of the reveal budget',
          params: idParams,
          body: z.strictObject({}).optional(),
          response: { 200: revealedSchema, ...problems(401, 404, 409, 429) },
        },
        config: { owner: 'unit', auth: { users: ['buyer'] } },
      },
      async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        return revealUnit(ctx, actorOf(req), req.params.id, requestInfo(req));
      },
    );

    app.post(
      '/orders/:id/reveal',
      {
        schema: {
          tags: ['inventory'],
          summary: `Bulk reveal (批量查看): the chosen units (all-or-nothing) or all revealable units of one of the buyer’s orders (others reported as skipped), at most ${MAX_BULK_REVEAL}; each key recorded as a reveal, first reveals unseal (拆封); N keys spend N of the reveal budget`,
          params: idParams,
          body: z.union([
            z.strictObject({ unitIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_BULK_REVEAL) }),
            z.strictObject({ all: z.literal(true) }),
          ]),
          response: {
            200: z.object({
              orderId: z.string(),
              items: z.array(revealedSchema),
              skipped: z.array(
                z.object({
                  unitId: z.string(),
                  reason: z.enum(['REFUNDED', 'NOT_DELIVERED', 'NOT_REVEALABLE', 'IN_REFUND']),
                  state: z.string().nullable(),
                }),
              ),
              firstReveals: z.number().int(),
              budget: z
                .object({
                  limit: z.number().int(),
                  windowMinutes: z.number().int(),
                  spent: z.number().int(),
                  resetAt: z.string(),
                })
                .nullable(),
            }),
            ...problems(400, 401, 404, 409, 429),
          },
        },
        config: { owner: 'order', auth: { users: ['buyer'] } },
      },
      async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        return revealOrderUnits(ctx, actorOf(req), req.params.id, req.body, requestInfo(req));
      },
    );

    app.post(
      '/admin/keys/:id/reveal',
      {
        schema: {
          tags: ['admin'],
          summary: 'Break-glass: an admin reads a secret for a written reason (audited)',
          params: idParams,
          body: z.strictObject({ reason: z.string().max(1000) }),
          response: {
            200: z.object({ serial: z.string().nullable(), secret: z.string() }),
            ...problems(400, 401, 403, 404, 429),
          },
        },
        config: { auth: { users: ['admin'] }, rateLimit: perUser(10, '1 minute') },
      },
      async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        return breakGlassReveal(ctx, userOf(req), req.params.id, req.body.reason, requestInfo(req));
      },
    );

    const registry = {
      auth: { users: ['merchant'], tokens: ['issuer', 'merchant'] },
      rateLimit: perUser(600, '1 minute'),
    } as const;
    app.post(
      '/registry/activate',
      {
        schema: {
          tags: ['registry'],
          summary: 'Redeem (activate) a key by card number and password (issuer or merchant token)',
          body: credentialsSchema,
          response: { 200: keyStatusSchema, ...problems(400, 401, 403, 404, 409) },
        },
        config: registry,
      },
      async (req) => redeemKey(ctx, actorOf(req), req.body),
    );

    app.post(
      '/registry/check',
      {
        schema: {
          tags: ['registry'],
          summary: 'A key’s status by card number and password',
          body: credentialsSchema,
          response: { 200: keyStatusSchema, ...problems(400, 401, 403, 404) },
        },
        config: registry,
      },
      async (req) => checkKey(ctx, actorOf(req), req.body),
    );

    app.post(
      '/registry/report',
      {
        schema: {
          tags: ['registry'],
          summary: 'Report an activation made elsewhere, with its time',
          body: credentialsSchema.extend({ activatedAt: isoDateTime() }),
          response: { 200: keyStatusSchema, ...problems(400, 401, 403, 404, 409) },
        },
        config: registry,
      },
      async (req) => {
        const { activatedAt, ...creds } = req.body;
        return reportActivation(ctx, actorOf(req), creds, new Date(activatedAt));
      },
    );
  };
}
