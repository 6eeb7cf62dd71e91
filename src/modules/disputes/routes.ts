/**
 * Disputes HTTP API (平台仲裁): the parties' and the arbitrators' cases, statements, the final
 * decision; a merchant's public record; admins' penalty rules and suspensions.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../platform/http/auth.js';
import { idParams, problems, versionSchema } from '../../platform/http/schemas.js';
import { fail } from '../../platform/errors.js';
import type { AfterSalesContext } from '../aftersales/index.js';
import { merchantViewSchema } from '../catalog/index.js';
import { caseFileQuerySchema, disputeCaseFile, requestCaseFile, type CaseFileDownload } from './casefile.js';
import { decideDispute, decisionSchema } from './decide.js';
import {
  getPenaltyRules,
  listMerchants,
  penaltyRulesSchema,
  setMerchantStatus,
  setPenaltyRules,
} from './penalties.js';
import { openMerchantDispute } from './open.js';
import { merchantRecord, merchantRecordSchema } from './record.js';
import { saveDraft, statementDraftSchema, submitStatement } from './statements.js';
import {
  disputeDetail,
  disputeDetailSchema,
  disputeFilterSchema,
  disputeSummarySchema,
  listDisputes,
} from './views.js';

export function disputeRoutes(ctx: AfterSalesContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/disputes',
      {
        config: { auth: { users: 'any' } },
        schema: {
          tags: ['disputes'],
          summary:
            'Disputes: a buyer’s own, a merchant’s shop’s, or the arbitration queue for staff (by next deadline)',
          querystring: disputeFilterSchema,
          response: { 200: z.object({ items: z.array(disputeSummarySchema) }), ...problems(400, 401) },
        },
      },
      async (req) => ({ items: await listDisputes(ctx, userOf(req), req.query) }),
    );

    app.post(
      '/refunds/:id/dispute',
      {
        config: { owner: 'refund', auth: { users: ['merchant'] } },
        schema: {
          tags: ['disputes'],
          summary: 'The merchant takes a refund platform support approved to arbitration',
          description:
            'Only refunds approved by support (after the merchant’s review deadline passed), within the escalation period. ' +
            'The refund stands meanwhile; an arbitrator who overturns it has the platform compensate the merchant.',
          params: idParams,
          body: z.strictObject({ note: z.string().trim().min(2).max(2000) }),
          response: { 201: z.object({ id: z.string() }), ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        const d = await openMerchantDispute(ctx, userOf(req), req.params.id, req.body.note);
        return reply.code(201).send({ id: d.id });
      },
    );

    app.get(
      '/disputes/:id',
      {
        config: { owner: 'dispute', auth: { users: 'any' } },
        schema: {
          tags: ['disputes'],
          summary:
            'One dispute: for a party its case and deadlines; for staff the whole case file with findings',
          description: 'Anyone who is neither a party nor platform staff gets 404 `dispute.not_found`.',
          params: idParams,
          response: { 200: disputeDetailSchema, ...problems(401, 404) },
        },
      },
      async (req) => disputeDetail(ctx, userOf(req), req.params.id),
    );

    app.put(
      '/disputes/:id/statement',
      {
        config: { owner: 'dispute', auth: { users: ['buyer', 'merchant'] } },
        schema: {
          tags: ['disputes'],
          summary:
            'Save the party’s draft statement and evidence files (uploaded first through POST /evidence/files)',
          description:
            '`version`: the draft’s version as read (0 before the first save). Refused once submitted or after the evidence deadline.',
          params: idParams,
          body: statementDraftSchema,
          response: { 200: z.object({ version: z.number().int() }), ...problems(400, 401, 404, 409, 422) },
        },
      },
      async (req) => ({ version: (await saveDraft(ctx, userOf(req), req.params.id, req.body)).version }),
    );

    app.post(
      '/disputes/:id/statement/submit',
      {
        config: { owner: 'dispute', auth: { users: ['buyer', 'merchant'] } },
        schema: {
          tags: ['disputes'],
          summary: 'Submit the party’s statement once; it can never change afterwards',
          params: idParams,
          body: z.strictObject({ version: versionSchema }),
          response: { 204: z.null(), ...problems(400, 401, 404, 409, 422) },
        },
      },
      async (req, reply) => {
        await submitStatement(ctx, userOf(req), req.params.id, req.body.version);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/disputes/:id/decision',
      {
        config: { auth: { users: ['arbitrator', 'admin'] } },
        schema: {
          tags: ['disputes'],
          summary:
            'Decide a dispute (final): for the buyer, for the merchant, or unit by unit, with a written rationale',
          description:
            'Executes itself: refunds through the original payment path, or closes the request. `confirmFinal` must be true. ' +
            'Whoever decided the refund request may not arbitrate it.',
          params: idParams,
          body: decisionSchema,
          response: { 200: disputeDetailSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => {
        const actor = userOf(req);
        await decideDispute(ctx, actor, req.params.id, req.body);
        return disputeDetail(ctx, actor, req.params.id);
      },
    );

    app.get(
      '/merchants/:id/record',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['disputes'],
          summary:
            'A merchant’s public record: refund rate, review time, disputes, violations and sanctions, deposit',
          params: idParams,
          response: { 200: merchantRecordSchema, ...problems(404) },
        },
      },
      async (req) => merchantRecord(ctx, req.params.id),
    );

    app.get(
      '/admin/penalty-rules',
      {
        config: { auth: { users: ['admin'] } },
        schema: {
          tags: ['admin'],
          summary:
            'Penalty rules for violations: points and deposit deduction per kind, suspension threshold',
          response: { 200: penaltyRulesSchema, ...problems(401, 403) },
        },
      },
      async () => getPenaltyRules(ctx.db),
    );

    app.put(
      '/admin/penalty-rules',
      {
        config: { auth: { users: ['admin'] } },
        schema: {
          tags: ['admin'],
          summary: 'Replace the penalty rules (applies to violations recorded from now on)',
          body: penaltyRulesSchema,
          response: { 200: penaltyRulesSchema, ...problems(400, 401, 403) },
        },
      },
      async (req) => setPenaltyRules(ctx, userOf(req), req.body),
    );

    app.get(
      '/admin/merchants',
      {
        config: { auth: { users: ['admin', 'support'] } },
        schema: {
          tags: ['admin'],
          summary: 'Every merchant (suspended first), optionally only those of one status',
          querystring: z.strictObject({ status: z.enum(['ACTIVE', 'SUSPENDED']).optional() }),
          response: { 200: z.object({ items: z.array(merchantViewSchema) }), ...problems(400, 401, 403) },
        },
      },
      async (req) => ({ items: await listMerchants(ctx, userOf(req), req.query) }),
    );

    app.post(
      '/admin/merchants/:id/status',
      {
        config: { auth: { users: ['admin'] } },
        schema: {
          tags: ['admin'],
          summary: 'Suspend a merchant’s listings or reinstate them (audited; the merchant is told why)',
          params: idParams,
          body: z.strictObject({
            status: z.enum(['ACTIVE', 'SUSPENDED']),
            version: versionSchema,
            reason: z.string().trim().min(2).max(500),
          }),
          response: {
            200: z.object({ status: z.enum(['ACTIVE', 'SUSPENDED']), version: z.number().int() }),
            ...problems(400, 401, 403, 404, 409),
          },
        },
      },
      async (req) => {
        const m = await setMerchantStatus(ctx, userOf(req), req.params.id, req.body);
        if (!m) fail('catalog.merchant_not_found');
        return { status: m.status, version: m.version };
      },
    );

    const caseFile = {
      description:
        'A ZIP: `summary.html` (printable; bilingual, or `lang` for one language), `records/*.json|csv`, ' +
        '`evidence/<sha256>-<name>` and `manifest.json` (every file’s SHA-256 and size, the audit events they tie to, ' +
        'who made it and when). It holds what the viewer may see on the pages — never a key secret. ' +
        'Anyone who may not see the case gets 404.',
      params: idParams,
      querystring: caseFileQuerySchema,
      response: { 200: z.any().describe('application/zip'), ...problems(400, 401, 404) },
    };
    app.get(
      '/refunds/:id/case-file',
      {
        config: { owner: 'refund', auth: { users: 'any' } },
        schema: {
          tags: ['aftersales'],
          summary: 'Download a refund request’s case file (with its dispute, if any) to keep',
          ...caseFile,
        },
      },
      async (req, reply) =>
        sendCaseFile(reply, await requestCaseFile(ctx, userOf(req), req.params.id, req.query.lang)),
    );
    app.get(
      '/disputes/:id/case-file',
      {
        config: { owner: 'dispute', auth: { users: 'any' } },
        schema: {
          tags: ['disputes'],
          summary: 'Download a dispute’s case file to keep: the request, statements, findings and decision',
          ...caseFile,
        },
      },
      async (req, reply) =>
        sendCaseFile(reply, await disputeCaseFile(ctx, userOf(req), req.params.id, req.query.lang)),
    );
  };
}

const sendCaseFile = (reply: FastifyReply, file: CaseFileDownload) =>
  reply
    .header('content-disposition', `attachment; filename="${file.fileName}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .type(file.contentType)
    .send(file.body);
