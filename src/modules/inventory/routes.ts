import { createWriteStream } from 'node:fs';
import { keyStateSchema } from './lifecycle.js';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { idParams, problems } from '../../platform/http/schemas.js';
import { requireActor, requireRole } from '../accounts/http.js';
import { markInvalid, voidStockKey } from './allocation.js';
import { assertCanImport, runImport, startBatch, uploadRoot } from './import.js';
import {
  batchSchema,
  getBatch,
  keyRowSchema,
  listBatches,
  listProductKeys,
  myUnits,
  setLowStockThreshold,
  stockOf,
  stockSchema,
  timeline,
  timelineSchema,
  toKeyRow,
  unitSchema,
} from './queries.js';
import { credentialsSchema, checkKey, keyStatusSchema, redeemKey, reportActivation } from './registry.js';
import { breakGlassReveal, revealUnit } from './reveal.js';
import { authorize } from '../accounts/authz.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const requestInfo = (req: FastifyRequest) => ({
  ip: req.ip,
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
});

export function inventoryRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  /** Imports started over HTTP run in the background; tests and shutdown can wait for them. */
  const running = new Set<Promise<unknown>>();

  return async (app) => {
    app.addHook('onClose', async () => {
      await Promise.allSettled([...running]);
    });

    app.post(
      '/merchant/products/:id/imports',
      {
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
        const actor = requireActor(req);
        if (!req.isMultipart()) fail('request.unsupported_media_type');
        // Who may import is settled before a byte of the upload is stored.
        await assertCanImport(ctx, actor, req.params.id);
        // Stream the upload to a private temp file (bounded memory, size-limited) under the data
        // directory, swept at start, so a crash cannot leave plaintext keys behind for long.
        await mkdir(uploadRoot(ctx.config.dataDir), { recursive: true, mode: 0o700 });
        const dir = await mkdtemp(path.join(uploadRoot(ctx.config.dataDir), 'import-'));
        const file = path.join(dir, 'upload');
        let format: 'auto' | 'text' | 'csv' = 'auto';
        let fileName: string | null = null;
        let received = false;
        try {
          for await (const part of req.parts()) {
            if (part.type === 'field') {
              if (part.fieldname === 'format') {
                const parsed = z.enum(['auto', 'text', 'csv']).safeParse(part.value);
                if (!parsed.success)
                  fail('validation.invalid_value', {
                    field: 'format',
                    params: { options: 'auto, text, csv' },
                  });
                format = parsed.data;
              }
              continue;
            }
            if (part.fieldname !== 'file' || received) {
              part.file.resume();
              continue;
            }
            received = true;
            fileName = part.filename ? path.basename(part.filename).slice(0, 200) : null;
            await pipeline(part.file, createWriteStream(file, { mode: 0o600 }));
            if (part.file.truncated) {
              fail('inventory.file_too_large', {
                field: 'file',
                params: { limit: `${Math.round(ctx.config.importMaxBytes / 2 ** 20)} MiB` },
              });
            }
          }
          if (!received) fail('inventory.file_missing', { field: 'file' });
        } catch (error) {
          await rm(dir, { recursive: true, force: true });
          const e = error as { code?: string };
          if (e.code === 'FST_REQ_FILE_TOO_LARGE') {
            fail('inventory.file_too_large', {
              field: 'file',
              params: { limit: `${Math.round(ctx.config.importMaxBytes / 2 ** 20)} MiB` },
            });
          }
          throw error;
        }
        const size = (await stat(file)).size;
        if (size === 0) {
          await rm(dir, { recursive: true, force: true });
          fail('inventory.file_empty', { field: 'file' });
        }
        let batch;
        try {
          batch = await startBatch(ctx, actor, {
            productId: req.params.id,
            source: 'API',
            fileName,
            format,
            bytesTotal: size,
          });
        } catch (error) {
          await rm(dir, { recursive: true, force: true });
          throw error;
        }
        const job = runImport(ctx, actor, batch, { file })
          .catch((error: unknown) => req.log.error({ err: error, batchId: batch.id }, 'key import failed'))
          .finally(() => rm(dir, { recursive: true, force: true }));
        running.add(job);
        void job.finally(() => running.delete(job));
        return reply.code(202).send(await getBatch(ctx, actor, batch.id));
      },
    );

    app.get(
      '/merchant/imports',
      {
        schema: {
          tags: ['inventory'],
          summary: 'The merchant’s import batches, newest first',
          querystring: z.strictObject({ productId: z.string().max(64).optional() }),
          response: { 200: z.object({ items: z.array(batchSchema) }), ...problems(401, 403) },
        },
      },
      async (req) => ({ items: await listBatches(ctx, requireActor(req), req.query.productId) }),
    );

    app.get(
      '/merchant/imports/:id',
      {
        schema: {
          tags: ['inventory'],
          summary:
            'One import batch: progress, counts and rejected lines (line number and reason, never content)',
          params: idParams,
          response: { 200: batchSchema, ...problems(401, 404) },
        },
      },
      async (req) => getBatch(ctx, requireActor(req), req.params.id),
    );

    app.get(
      '/merchant/stock',
      {
        schema: {
          tags: ['inventory'],
          summary: 'Stock per product: available, reserved, sold, invalid, voided, low-stock flag',
          response: { 200: z.object({ items: z.array(stockSchema) }), ...problems(401, 403) },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const merchantId =
          (actor.kind !== 'system' ? actor.merchantId : null) ?? fail('catalog.not_merchant');
        return { items: await stockOf(ctx, merchantId) };
      },
    );

    app.patch(
      '/merchant/products/:id/stock-settings',
      {
        schema: {
          tags: ['inventory'],
          summary: 'Set the low-stock notice threshold (null turns it off)',
          params: idParams,
          body: z.strictObject({ lowStockThreshold: z.number().int().min(0).max(10_000_000).nullable() }),
          response: { 200: stockSchema, ...problems(400, 401, 403, 404) },
        },
      },
      async (req) => setLowStockThreshold(ctx, requireActor(req), req.params.id, req.body.lowStockThreshold),
    );

    app.get(
      '/merchant/products/:id/keys',
      {
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
      async (req) => ({ items: await listProductKeys(ctx, requireActor(req), req.params.id, req.query) }),
    );

    const ownKey = async (req: FastifyRequest, id: string) => {
      const actor = requireActor(req);
      const key = await ctx.db.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (!key) fail('inventory.key_not_found');
      authorize(
        actor,
        'update',
        { type: 'shop_record', merchantId: key.merchant_id },
        'inventory.key_not_found',
      );
      return { actor, key };
    };

    app.post(
      '/merchant/keys/:id/void',
      {
        schema: {
          tags: ['inventory'],
          summary: 'Withdraw a key from stock (AVAILABLE → VOIDED)',
          params: idParams,
          body: z.strictObject({}),
          response: { 200: keyRowSchema, ...problems(401, 404, 409) },
        },
      },
      async (req) => {
        const { actor, key } = await ownKey(req, req.params.id);
        await unitOfWork(ctx, (trx) =>
          voidStockKey(trx, { engine: ctx.engine, actor, at: ctx.clock.now() }, key),
        );
        return toKeyRow(
          await ctx.db.selectFrom('keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow(),
        );
      },
    );

    const invalidBody = z.strictObject({
      reason: z.string().trim().min(2).max(500),
      replace: z.boolean().default(false),
    });
    /** Marks a key INVALID (merchant for its own keys, support for any), optionally replacing it. */
    const invalidate = async (
      req: FastifyRequest,
      by: 'merchant' | 'support',
      body: z.infer<typeof invalidBody>,
    ): Promise<z.infer<typeof keyRowSchema>> => {
      const { actor, key } =
        by === 'merchant'
          ? await ownKey(req, (req.params as { id: string }).id)
          : await staffKey(req, (req.params as { id: string }).id);
      await unitOfWork(ctx, (trx) =>
        markInvalid(trx, { engine: ctx.engine, actor, at: ctx.clock.now(), by }, key, body),
      );
      return toKeyRow(
        await ctx.db.selectFrom('keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow(),
      );
    };
    const staffKey = async (req: FastifyRequest, id: string) => {
      const actor = requireRole(req, 'support', 'admin');
      const key = await ctx.db.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirst();
      return { actor, key: key ?? fail('inventory.key_not_found') };
    };

    app.post(
      '/merchant/keys/:id/invalid',
      {
        schema: {
          tags: ['inventory'],
          summary: 'Confirm a key defective (→ INVALID), optionally delivering a replacement to its unit',
          params: idParams,
          body: invalidBody,
          response: { 200: keyRowSchema, ...problems(400, 401, 404, 409) },
        },
      },
      async (req) => invalidate(req, 'merchant', req.body),
    );

    app.post(
      '/support/keys/:id/invalid',
      {
        schema: {
          tags: ['inventory'],
          summary: 'Support confirms a key defective (→ INVALID), optionally delivering a replacement',
          params: idParams,
          body: invalidBody,
          response: { 200: keyRowSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => invalidate(req, 'support', req.body),
    );

    app.get(
      '/keys/:id/timeline',
      {
        schema: {
          tags: ['inventory'],
          summary: 'A key’s history (merchant: own keys, masked; support and admin: any)',
          params: idParams,
          response: { 200: timelineSchema, ...problems(401, 404) },
        },
      },
      async (req) => timeline(ctx, requireActor(req), { keyId: req.params.id }),
    );

    app.get(
      '/units/:id/timeline',
      {
        schema: {
          tags: ['inventory'],
          summary: 'The history of the key of one of the buyer’s units',
          params: idParams,
          response: { 200: timelineSchema, ...problems(401, 404) },
        },
      },
      async (req) => timeline(ctx, requireActor(req), { unitId: req.params.id }),
    );

    app.get(
      '/me/units',
      {
        schema: {
          tags: ['inventory'],
          summary: 'The buyer’s delivered units with key state and the policy bought under',
          response: { 200: z.object({ items: z.array(unitSchema) }), ...problems(401) },
        },
      },
      async (req) => ({ items: await myUnits(ctx, requireActor(req)) }),
    );

    app.post(
      '/units/:id/reveal',
      {
        schema: {
          tags: ['inventory'],
          summary: 'Reveal the key of one of the buyer’s units; the first reveal unseals it (拆封)',
          params: idParams,
          body: z.strictObject({}).optional(),
          response: {
            200: z.object({
              unitId: z.string(),
              serial: z.string().nullable(),
              secret: z.string(),
              firstReveal: z.boolean(),
              revealedAt: z.string(),
            }),
            ...problems(401, 404, 409, 429),
          },
        },
        config: {
          rateLimit: {
            max: 30,
            timeWindow: '1 minute',
            keyGenerator: (req) => req.session?.user.id ?? req.ip,
          },
        },
      },
      async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        return revealUnit(ctx, requireActor(req), req.params.id, requestInfo(req));
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
            ...problems(400, 401, 403, 404),
          },
        },
        config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      },
      async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        return breakGlassReveal(
          ctx,
          requireRole(req, 'admin'),
          req.params.id,
          req.body.reason,
          requestInfo(req),
        );
      },
    );

    const registryLimit = { rateLimit: { max: 600, timeWindow: '1 minute' } };
    app.post(
      '/registry/activate',
      {
        schema: {
          tags: ['registry'],
          summary: 'Redeem (activate) a key by card number and password (issuer or merchant token)',
          body: credentialsSchema,
          response: { 200: keyStatusSchema, ...problems(400, 401, 403, 404, 409) },
        },
        config: registryLimit,
      },
      async (req) => redeemKey(ctx, requireActor(req), req.body),
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
        config: registryLimit,
      },
      async (req) => checkKey(ctx, requireActor(req), req.body),
    );

    app.post(
      '/registry/report',
      {
        schema: {
          tags: ['registry'],
          summary: 'Report an activation made elsewhere, with its time',
          body: credentialsSchema.extend({ activatedAt: z.iso.datetime() }),
          response: { 200: keyStatusSchema, ...problems(400, 401, 403, 404, 409) },
        },
        config: registryLimit,
      },
      async (req) => {
        const { activatedAt, ...creds } = req.body;
        return reportActivation(ctx, requireActor(req), creds, new Date(activatedAt));
      },
    );
  };
}
