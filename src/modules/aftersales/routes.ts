/**
 * After-sales HTTP API (Stage 4): the pre-check, applications, evidence uploads, the request
 * views and queues, review decisions, the buyer's answers, and support's alerts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { defaultUploadLimits, formatBytes, isSha256, safeDisplayName } from '../../platform/files.js';
import { rethrowUploadError } from '../../platform/http/multipart.js';
import { assertNoNul } from '../../platform/http/edge.js';
import { idParams, problems } from '../../platform/http/schemas.js';
import { userOf } from '../../platform/http/auth.js';
import { idempotencyHeaders, idempotencyKeyOf } from '../../platform/http/idempotency.js';
import { ELIGIBILITY_CODE_INFO, REFUND_REASONS } from './eligibility.js';
import { evidenceFile, uploadEvidence } from './files.js';
import { applyForRefund } from './apply.js';
import { applySchema, precheck, precheckSchema, refundDraft, type AfterSalesContext } from './requests.js';
import { buyerActionSchema } from './buyer-actions.js';
import { merchantHome, merchantHomeSchema } from './merchant-home.js';
import { actOnRequest, decide, decisionSchema, REJECT_CODES } from './review.js';
import {
  listRequests,
  requestDetail,
  requestDetailSchema,
  requestFilterSchema,
  requestSummarySchema,
  supportAlerts,
} from './views.js';

type Ctx = AppContext & AfterSalesContext;

const eligibilitySchema = z.object({
  reason: z.string(),
  units: z.array(
    z.object({
      unitId: z.string(),
      outcome: z.enum(['ELIGIBLE', 'NEEDS_EVIDENCE', 'BLOCKED']),
      eligible: z.boolean(),
      autoApprovable: z.boolean(),
      sealedAndEligible: z.boolean(),
      codes: z.array(z.string()),
      explanations: z.object({ zh: z.array(z.string()), en: z.array(z.string()) }),
    }),
  ),
  summary: z.object({
    status: z.enum(['ALL', 'SOME', 'NONE']),
    eligibleUnitIds: z.array(z.string()),
    needsEvidenceUnitIds: z.array(z.string()),
    blockedUnitIds: z.array(z.string()),
    autoApprovable: z.boolean(),
    zh: z.string(),
    en: z.string(),
  }),
});

const uploadedSchema = z.object({
  sha256: z.string(),
  name: z.string(),
  mime: z.string(),
  size: z.number().int(),
  kind: z.enum(['image', 'pdf', 'text']),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  signals: z.array(
    z.object({ code: z.string(), value: z.string().optional(), messages: z.record(z.string(), z.string()) }),
  ),
});

export function aftersalesRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/merchant/home',
      {
        schema: {
          tags: ['merchant'],
          summary:
            "The merchant's home page: today's sales (Asia/Shanghai day; channel orders apart), refund requests waiting for review (soonest deadline first) and products low on stock",
          response: { 200: merchantHomeSchema, ...problems(401, 403) },
        },
        config: { auth: { users: ['merchant'] } },
      },
      async (req) => merchantHome(ctx, userOf(req)),
    );

    app.get(
      '/refunds/vocabulary',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['aftersales'],
          summary: 'Refund reasons, eligibility rule codes and rejection codes with zh-CN/en titles',
          response: { 200: z.object({ reasons: z.unknown(), codes: z.unknown(), rejectCodes: z.unknown() }) },
        },
      },
      async () => ({ reasons: REFUND_REASONS, codes: ELIGIBILITY_CODE_INFO, rejectCodes: REJECT_CODES }),
    );

    app.get(
      '/orders/:id/refund-draft',
      {
        config: { owner: 'order', auth: { users: ['buyer'] } },
        schema: {
          tags: ['aftersales'],
          summary: 'What the 退款/售后 form starts with: the units and a prefilled description',
          params: idParams,
          response: {
            200: z.object({
              description: z.string(),
              units: z.array(
                z.object({
                  unitId: z.string(),
                  keyState: z.string().nullable(),
                  serialMasked: z.string().nullable(),
                  refunded: z.boolean(),
                  inOpenRequest: z.boolean(),
                }),
              ),
            }),
            ...problems(401, 403, 404),
          },
        },
      },
      async (req) => refundDraft(ctx, userOf(req), req.params.id),
    );

    app.post(
      '/orders/:id/refund-precheck',
      {
        config: { owner: 'order', auth: { users: ['buyer'] } },
        schema: {
          tags: ['aftersales'],
          summary: 'Eligibility pre-check: per unit, eligible or not, with rule codes and plain explanations',
          params: idParams,
          body: precheckSchema,
          response: { 200: eligibilitySchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => precheck(ctx, userOf(req), req.params.id, req.body),
    );

    app.post(
      '/evidence/files',
      {
        config: { auth: { users: 'any' } },
        schema: {
          tags: ['aftersales'],
          summary:
            'Upload evidence files (multipart, up to 9): images, PDF, UTF-8 text chat logs; checked by content',
          consumes: ['multipart/form-data'],
          response: {
            201: z.object({ files: z.array(uploadedSchema) }),
            ...problems(400, 401, 413, 415, 422),
          },
        },
      },
      async (req, reply) => {
        // The multipart stream is the HTTP side; checking and storing the files is the use case's.
        // The whole body is read before anything is stored, so a refused or cut-off upload
        // leaves nothing behind.
        const files: { bytes: Buffer; name: string }[] = [];
        const { maxFiles, maxImageBytes, maxPdfBytes, maxTextBytes } = defaultUploadLimits;
        const largest = Math.max(maxImageBytes, maxPdfBytes, maxTextBytes);
        const tooLarge = (name: string): never =>
          fail('evidence.too_large', {
            field: `files[${files.length}]`,
            params: {
              name: safeDisplayName(name),
              size: `> ${formatBytes(largest)}`,
              kind: { zh: '证据文件', en: 'evidence files' },
              limit: formatBytes(largest),
            },
          });
        let current = '';
        try {
          for await (const part of req.files({ limits: { files: maxFiles + 1, fileSize: largest + 1 } })) {
            current = part.filename;
            if (files.length >= maxFiles) {
              part.file.resume();
              fail('evidence.too_many', { params: { max: maxFiles, count: `> ${maxFiles}` } });
            }
            const bytes = await part.toBuffer();
            assertNoNul('files', part.filename);
            if (part.file.truncated) tooLarge(part.filename);
            files.push({ bytes, name: part.filename });
          }
        } catch (err) {
          if ((err as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE') tooLarge(current);
          if ((err as { code?: unknown }).code === 'FST_FILES_LIMIT')
            fail('evidence.too_many', { params: { max: maxFiles, count: `> ${maxFiles}` } });
          rethrowUploadError(err, `files[${files.length}]`);
        }
        return reply.code(201).send({ files: await uploadEvidence(ctx, userOf(req), files) });
      },
    );

    app.get(
      '/evidence/files/:sha256',
      {
        config: { owner: 'evidence', auth: { users: 'any' } },
        schema: {
          tags: ['aftersales'],
          summary: 'Download an evidence file of a request (or message) the viewer may see',
          params: z.strictObject({ sha256: z.string().refine(isSha256) }),
          querystring: z.strictObject({ requestId: z.string().max(64) }),
          response: { 200: z.unknown(), ...problems(401, 404) },
        },
      },
      async (req, reply) => {
        const file = await evidenceFile(ctx, userOf(req), req.query.requestId, req.params.sha256);
        // The stored type from content sniffing, never sniffed again by the browser; PDF and text download.
        void reply
          .header('content-type', file.mime)
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'")
          // The SHA-256 of these bytes: the original's for its uploader, the shareable copy's otherwise.
          .header('x-content-sha256', file.servedSha256);
        if (!file.mime.startsWith('image/'))
          void reply.header(
            'content-disposition',
            `attachment; filename="evidence-${req.params.sha256.slice(0, 12)}"`,
          );
        return reply.send(file.bytes);
      },
    );

    app.post(
      '/orders/:id/refunds',
      {
        config: { owner: 'order', auth: { users: ['buyer'] } },
        schema: {
          tags: ['aftersales'],
          summary: 'Apply for a refund of chosen units (Idempotency-Key: a repeat returns the first request)',
          params: idParams,
          headers: idempotencyHeaders,
          body: applySchema,
          response: { 201: requestDetailSchema, ...problems(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req, reply) => {
        const buyer = userOf(req);
        const r = await applyForRefund(ctx, buyer, req.params.id, idempotencyKeyOf(req), req.body);
        if (r.replayed) void reply.header('idempotency-replayed', 'true');
        return reply
          .code(201)
          .header('location', `/api/refunds/${r.requestId}`)
          .send(await requestDetail(ctx, buyer, r.requestId));
      },
    );

    app.get(
      '/refunds',
      {
        config: { auth: { users: 'any' } },
        schema: {
          tags: ['aftersales'],
          summary: 'Refund requests: a buyer’s own, a merchant’s review queue (by deadline), support’s queue',
          querystring: requestFilterSchema,
          response: { 200: z.object({ items: z.array(requestSummarySchema) }), ...problems(400, 401) },
        },
      },
      async (req) => ({ items: await listRequests(ctx.db, userOf(req), req.query) }),
    );

    app.get(
      '/refunds/:id',
      {
        config: { owner: 'refund', auth: { users: 'any' } },
        schema: {
          tags: ['aftersales'],
          summary: 'One refund request with deadlines, eligibility, evidence, payouts and its timeline',
          params: idParams,
          response: { 200: requestDetailSchema, ...problems(401, 404) },
        },
      },
      async (req) => requestDetail(ctx, userOf(req), req.params.id),
    );

    app.post(
      '/refunds/:id/decision',
      {
        config: { owner: 'refund', auth: { users: ['merchant', 'support', 'admin'] } },
        schema: {
          tags: ['aftersales'],
          summary:
            'Reviewer decision: approve (large refunds: confirmLarge), reject with a reason code, or ask for material',
          params: idParams,
          body: decisionSchema,
          response: { 200: requestDetailSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => {
        const actor = userOf(req);
        await decide(ctx, actor, req.params.id, req.body);
        return requestDetail(ctx, actor, req.params.id);
      },
    );

    app.post(
      '/refunds/:id/actions',
      {
        config: { owner: 'refund', auth: { users: ['buyer', 'support', 'admin'] } },
        schema: {
          tags: ['aftersales'],
          summary:
            'The buyer’s answers: supplement, resubmit, cancel, accept, escalate, or take an abnormal payout to the balance',
          params: idParams,
          body: buyerActionSchema,
          response: { 200: requestDetailSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => {
        const actor = userOf(req);
        await actOnRequest(ctx, actor, req.params.id, req.body);
        return requestDetail(ctx, actor, req.params.id);
      },
    );

    app.get(
      '/support/alerts',
      {
        config: { auth: { users: ['support', 'admin'] } },
        schema: {
          tags: ['aftersales'],
          summary: 'Support queue alerts: abnormal payouts, late payouts (到账延迟), overdue support reviews',
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.string(),
                  kind: z.string(),
                  objectType: z.string(),
                  objectId: z.string(),
                  requestId: z.string().nullable(),
                  requestNo: z.string().nullable().describe('The refund request number people use'),
                  orderNo: z.string().nullable().describe('The order number people use'),
                  createdAt: z.string(),
                  resolvedAt: z.string().nullable(),
                }),
              ),
            }),
            ...problems(401, 403),
          },
        },
      },
      async (req) => ({ items: await supportAlerts(ctx, userOf(req)) }),
    );
  };
}
