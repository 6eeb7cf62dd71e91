/**
 * The sandbox's own HTTP surface: the cashier (pay page data and "pay" with a test payer) and the
 * admin switches. The cashier is public like a real one: the payment id is an unguessable UUID
 * that only the buyer's pay URL carries. Register with `{ prefix: '/api' }`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../platform/context.js';
import { problems } from '../../../platform/http/schemas.js';
import type { UserActor } from '../../../platform/actor.js';
import { fail } from '../../../platform/errors.js';
import { userOf } from '../../../platform/http/auth.js';
import type { Provider } from '../gateway.js';
import { appendAudit } from '../../../platform/audit.js';
import type { SandboxGateways, SandboxNotificationView, SandboxPaymentView } from './index.js';
import { payersOf } from './payers.js';
import { unitOfWork } from '../../../platform/unit-of-work.js';

const messages = z.object({ 'zh-CN': z.string(), en: z.string() });
const providerSchema = z.enum(['sandbox-wechat', 'sandbox-alipay']);

const payerSchema = z.object({
  id: z.string(),
  name: messages,
  destination: z.string(),
  notes: messages,
});

const payPageSchema = z.object({
  id: z.string(),
  provider: providerSchema,
  method: z.enum(['WECHAT', 'ALIPAY']),
  outTradeNo: z.string(),
  amountFen: z.number().int(),
  description: z.string(),
  state: z.enum(['NOTPAY', 'SUCCESS', 'CLOSED']),
  payable: z.boolean().describe('NOTPAY and not yet expired'),
  expiresAt: z.string(),
  paidAt: z.string().nullable(),
  payerId: z.string().nullable(),
  payers: z.array(payerSchema),
});

const settingsSchema = z.object({
  provider: providerSchema,
  down: z.boolean().describe('Every gateway call fails with payment.gateway_unavailable; no notifications'),
  notificationDelaySeconds: z.number().int().describe('Added before the first delivery of each notification'),
});

const notificationSchema = z.object({
  id: z.string(),
  provider: z.string(),
  kind: z.enum(['PAYMENT', 'REFUND']),
  reference: z.string().nullable(),
  state: z.enum(['PENDING', 'DELIVERED', 'GAVE_UP']),
  attempts: z.number().int(),
  duplicatesLeft: z.number().int(),
  lastStatus: z.number().int().nullable(),
  nextAttemptAt: z.string(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});

const paymentParams = z.strictObject({ id: z.uuid() });

function payPage(view: SandboxPaymentView): z.infer<typeof payPageSchema> {
  return {
    ...view,
    expiresAt: view.expiresAt.toISOString(),
    paidAt: view.paidAt?.toISOString() ?? null,
    payers: payersOf(view.provider).map((p) => ({
      id: p.id,
      name: p.name,
      destination: p.destination,
      notes: p.notes,
    })),
  };
}

const notificationView = (n: SandboxNotificationView): z.infer<typeof notificationSchema> => ({
  ...n,
  nextAttemptAt: n.nextAttemptAt.toISOString(),
  createdAt: n.createdAt.toISOString(),
  deliveredAt: n.deliveredAt?.toISOString() ?? null,
});

export function sandboxRoutes(ctx: AppContext, sandbox: SandboxGateways): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/sandbox/payments/:id',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['sandbox'],
          summary: 'Sandbox cashier: a payment to pay, with the test payers to choose from',
          params: paymentParams,
          response: { 200: payPageSchema, ...problems(400, 404, 503) },
        },
      },
      async (req) => {
        const gateway = await sandbox.forPayment(req.params.id);
        return payPage(await gateway.paymentView(req.params.id));
      },
    );

    app.post(
      '/sandbox/payments/:id/pay',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['sandbox'],
          summary: 'Sandbox cashier: pay as a test payer (the payer decides how later refunds behave)',
          params: paymentParams,
          body: z.strictObject({ payerId: z.string().min(1).max(64) }),
          response: { 200: payPageSchema, ...problems(400, 403, 404, 409, 503) },
        },
      },
      async (req) => {
        const gateway = await sandbox.forPayment(req.params.id);
        return payPage(await gateway.pay(req.params.id, req.body.payerId));
      },
    );

    app.get(
      '/admin/sandbox/notifications',
      {
        config: { auth: { users: ['admin'] } },
        schema: {
          tags: ['admin', 'sandbox'],
          summary: 'Recent sandbox notifications with their delivery attempts',
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
          response: { 200: z.object({ items: z.array(notificationSchema) }), ...problems(400, 401, 403) },
        },
      },
      async (req) => ({ items: (await sandbox.recentNotifications(req.query.limit)).map(notificationView) }),
    );

    app.get(
      '/admin/sandbox/:provider',
      {
        config: { auth: { users: ['admin'] } },
        schema: {
          tags: ['admin', 'sandbox'],
          summary: 'A sandbox gateway’s failure injection: down switch and notification delay',
          params: z.strictObject({ provider: providerSchema }),
          response: { 200: settingsSchema, ...problems(400, 401, 403) },
        },
      },
      async (req) => ({ provider: req.params.provider, ...(await sandbox.settings(req.params.provider)) }),
    );

    app.put(
      '/admin/sandbox/:provider',
      {
        config: { auth: { users: ['admin'] } },
        schema: {
          tags: ['admin', 'sandbox'],
          summary: 'Set a sandbox gateway’s failure injection',
          params: z.strictObject({ provider: providerSchema }),
          body: z.strictObject({
            down: z.boolean(),
            notificationDelaySeconds: z.number().int().min(0).max(86_400),
          }),
          response: { 200: settingsSchema, ...problems(400, 401, 403) },
        },
      },
      async (req) => ({
        provider: req.params.provider,
        ...(await updateSandboxSettings(ctx, sandbox, userOf(req), req.params.provider, req.body)),
      }),
    );
  };
}

/** An admin switches a sandbox gateway's failure injection (down, notification delay); audited. */
async function updateSandboxSettings(
  ctx: Pick<AppContext, 'db' | 'clock' | 'log'>,
  sandbox: SandboxGateways,
  actor: UserActor,
  provider: Provider,
  input: { down: boolean; notificationDelaySeconds: number },
) {
  if (actor.role !== 'admin') fail('auth.forbidden');
  const at = ctx.clock.now();
  return unitOfWork(ctx, async (trx) => {
    const next = await sandbox.get(provider).updateSettings(input, trx);
    await appendAudit(trx, {
      actor,
      action: 'sandbox.settings_changed',
      objectType: 'sandbox_gateway',
      objectId: provider,
      data: { ...next },
      at,
    });
    return next;
  });
}
