/** Builds the Fastify application: plugins, error handling, routes, API docs and the web app. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from './platform/config.js';
import { accountRoutes } from './modules/accounts/index.js';
import { registerAuth } from './modules/accounts/index.js';
import { adminRoutes } from './modules/admin/index.js';
import { aftersalesRoutes, type AfterSalesContext } from './modules/aftersales/index.js';
import { disputeDeadlines, disputeRoutes, openDispute } from './modules/disputes/index.js';
import { conversationRoutes } from './modules/conversations/index.js';
import { notificationRoutes, sandboxMailRoutes } from './modules/notifications/index.js';
import { createMailer, drainOutbox } from './modules/notifications/index.js';
import { DiskFileStore } from './platform/files.js';
import { catalogRoutes } from './modules/catalog/index.js';
import type { Clock, TestClock } from './platform/clock.js';
import type { KeyVault } from './platform/vault.js';
import { inventoryRoutes } from './modules/inventory/index.js';
import { orderRoutes } from './modules/orders/index.js';
import { Sweeper, type SweepReport } from './platform/sweeper.js';
import { AuditHeadExporter } from './platform/audit-head.js';
import { orderDeadlines } from './modules/orders/index.js';
import { paymentReceived } from './modules/orders/index.js';
import { paymentDeadlines } from './modules/payments/index.js';
import { reconcileProcessingPayouts, submitPendingPayouts } from './modules/payments/index.js';
import { membershipDeadlines } from './modules/membership/index.js';
import { membershipRoutes } from './modules/membership/index.js';
import { refundDeadlines } from './modules/aftersales/index.js';
import { payoutChanged } from './modules/aftersales/index.js';
import { GatewayRegistry, type PaymentPorts } from './modules/payments/index.js';
import { paymentRoutes } from './modules/payments/index.js';
import { createSandboxGateways, type SandboxGateways } from './modules/payments/index.js';
import { sandboxRoutes } from './modules/payments/index.js';
import { financeRoutes, reconcileWithdrawals, submitPendingWithdrawals } from './modules/finance/index.js';
import {
  CHANNEL_REFUND_URLS,
  channelRoutes,
  createConnectors,
  createSandboxChannels,
  fetchTransport,
  pruneLookupThrottle,
  reconcileAll,
  recordAnswer,
  resendAnswers,
  resendDeliveries,
  sandboxChannelRoutes,
  type ChannelsContext,
  type SandboxChannels,
} from './modules/channels/index.js';
import { SandboxBank, type FinanceContext } from './modules/finance/index.js';
import type { AppContext } from './platform/context.js';
import type { DbHandle } from './platform/db/dialect.js';
import { declaredAuth } from './platform/http/auth.js';
import { refuseNulInput } from './platform/http/edge.js';
import { registerProblemHandler, sendFrameworkError, sendNotFound } from './platform/http/problem.js';
import { rateLimitBackend } from './platform/http/rate-limit-store.js';
import { problems } from './platform/http/schemas.js';
import { loggerOptions } from './platform/logger.js';
import { newRunId, withLogContext } from './platform/log-context.js';
import { Metrics } from './platform/metrics.js';
import { registerMetrics } from './platform/http/metrics.js';
import { genReqId, registerRequestContext } from './platform/http/request-id.js';
import { VERSION } from './platform/version.js';

export interface AppDeps {
  config: Config;
  handle: DbHandle;
  clock: Clock;
  testClock: TestClock | null;
  vault: KeyVault;
  /** Directory of the built web app; defaults to dist/web next to the package. */
  webDir?: string;
  /** false silences logs; a stream receives them (tests scan it for secrets); default is stdout. */
  logger?: false | { stream: { write(line: string): void } };
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const defaultWebDir = (): string => {
  // From src/app.ts (run by tsx) the build is ../dist/web; from dist/server/app.js it is ../web.
  for (const candidate of [path.resolve(here, '../dist/web'), path.resolve(here, '../web')]) {
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  return path.resolve(here, '../dist/web');
};

/**
 * How long browsers keep a file of the built web app: Vite's hashed files under /assets/ never
 * change (a new build has new names), so forever; the HTML shell (index.html, also the SPA
 * fallback) is revalidated on every load (ETag/Last-Modified make that a 304) so a deploy shows at
 * once; other public files (favicon, icons) a day.
 */
export function webCacheControl(webDir: string, filePath: string): string {
  const relative = path
    .relative(webDir, filePath)
    .split(path.sep)
    .join('/')
    .replace(/\.(br|gz)$/, '');
  if (relative.startsWith('assets/')) return 'public, max-age=31536000, immutable';
  if (relative.endsWith('.html')) return 'no-cache';
  return 'public, max-age=86400';
}

/**
 * Security headers on every response — the web app, the API's JSON and problem+json, Swagger UI:
 * - CSP: scripts only from this origin (Vite's build has no inline script), no plugins, no base
 *   or form target elsewhere, never framed (frame-ancestors 'none', with X-Frame-Options DENY for
 *   old browsers: the reveal and approval pages cannot be clickjacked). style-src allows
 *   'unsafe-inline' and nothing else inline: antd's CSS-in-JS injects <style> elements at run time
 *   (and Swagger UI sets style attributes); a nonce would mean templating the cached, precompressed
 *   index.html per request and threading it through antd's ConfigProvider. Inline style cannot run
 *   script, and the app renders no user HTML. Images also from data: (antd's and Swagger UI's
 *   icons) and blob: (a picked photo's preview before upload); ECharts draws on a canvas (no
 *   source needed). Swagger UI works under the same policy (its scripts are files under /api/docs).
 * - nosniff, Referrer-Policy no-referrer (lookup links carry a token in the path; nothing here
 *   reads a Referer), Cross-Origin-Opener/Resource-Policy same-origin.
 * - HSTS (one year, subdomains) and upgrade-insecure-requests only in production, which is served
 *   over HTTPS; a development or test server on http://127.0.0.1 must stay reachable.
 */
export function securityHeaders(config: Pick<Config, 'env'>): FastifyHelmetOptions {
  const production = config.env === 'production';
  return {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    kameng: {
      ctx: AppContext & AfterSalesContext;
      sandbox: SandboxGateways | null;
      /** The sandbox bank withdrawals are paid through (null when the sandbox is off). */
      bank: SandboxBank | null;
      /** The sandbox Taobao / Pinduoduo / 闲鱼 shops (null when the sandbox is off). */
      sandboxChannels: SandboxChannels | null;
      channels: ChannelsContext;
      sweeper: Sweeper;
      /** Fires due deadlines, sends waiting payouts, runs the sandbox gateways' timed work. */
      sweep(): Promise<SweepReport>;
      /** Copies the audit chain's head outside the database (each sweep, and at shutdown). */
      auditHead: AuditHeadExporter;
      /** The Prometheus metrics served at /metrics (platform/metrics.ts). */
      metrics: Metrics;
    };
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const trust = deps.config.trustProxy;
  const app = Fastify({
    logger:
      deps.logger === false
        ? false
        : { ...loggerOptions(deps.config), ...(deps.logger ? { stream: deps.logger.stream } : {}) },
    // Fastify's types take no hop count, so a count becomes the equivalent trust function.
    trustProxy: typeof trust === 'number' ? (_addr: string, hop: number) => hop < trust : trust,
    bodyLimit: 1024 * 1024,
    // X-Request-Id: the caller's when safe, else a new one (platform/http/request-id.ts)
    requestIdHeader: false,
    genReqId,
    frameworkErrors: (_error, req, reply) => {
      sendFrameworkError(req, reply);
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // First of all hooks: everything after it runs with the request id in the log context.
  registerRequestContext(app);

  // The sandbox gateways deliver their notifications through the real notify route (raw body,
  // signature check and all), in process: no listening socket is needed, in tests or in the demo.
  const sandbox = deps.config.sandboxGateways
    ? await createSandboxGateways({
        db: deps.handle.db,
        clock: deps.clock,
        vault: deps.vault,
        publicUrl: deps.config.publicUrl ?? '',
        deliver: async (provider, n) => {
          const res = await app.inject({
            method: 'POST',
            url: `/api/payments/notify/${provider}`,
            headers: { ...n.headers, 'content-type': n.contentType },
            payload: n.rawBody,
          });
          return { status: res.statusCode, body: res.body };
        },
      })
    : null;
  // The sandbox bank pays merchants' withdrawals; it delivers its signed result notices through the
  // real notify route in process too. Off with the sandbox gateways (production, unless asked for).
  const bank = deps.config.sandboxGateways
    ? await SandboxBank.open({
        db: deps.handle.db,
        clock: deps.clock,
        vault: deps.vault,
        deliver: async (name, n) => {
          const res = await app.inject({
            method: 'POST',
            url: `/api/finance/bank/notify/${name}`,
            headers: { ...n.headers, 'content-type': n.contentType },
            payload: n.rawBody,
          });
          return { status: res.statusCode, body: res.body };
        },
      })
    : null;
  // The sandbox channel shops (Taobao, Pinduoduo, 闲鱼) push to the real notify routes in process.
  const sandboxChannels = deps.config.sandboxGateways
    ? createSandboxChannels({
        db: deps.handle.db,
        clock: deps.clock,
        vault: deps.vault,
        deliver: async (url, push) => {
          const res = await app.inject({
            method: 'POST',
            url: new URL(url, 'http://kameng.invalid').pathname,
            headers: { ...push.headers, 'content-type': push.contentType },
            payload: push.rawBody,
          });
          return { status: res.statusCode, body: res.body };
        },
      })
    : null;
  // The ports payments tells its outcomes' owners through, in the transaction of the change:
  // orders fulfils what a payment bought; after-sales moves the request a payout belongs to.
  const ports: PaymentPorts = {
    paymentReceived: (trx, c, payment, facts) => paymentReceived(trx, ctx, c, payment, facts),
    payoutChanged: (trx, c, payout, to, replaced) => payoutChanged(trx, c, payout, to, replaced),
  };
  const ctx: AppContext & AfterSalesContext = {
    db: deps.handle.db,
    engine: deps.handle.engine,
    clock: deps.clock,
    testClock: deps.testClock,
    config: deps.config,
    log: app.log,
    vault: deps.vault,
    gateways: new GatewayRegistry(sandbox ? sandbox.gateways.values() : []),
    ports,
    files: DiskFileStore.forDataDir(deps.config.dataDir),
    // After-sales tells disputes of an escalation, in the same transaction (disputes → aftersales).
    afterSales: {
      requestEscalated: (trx, c, request, note) => openDispute(trx, c, request, note).then(() => undefined),
      // and tells the channel a channel order's refund decision (channels → aftersales).
      channelAnswer: (trx, c, request, answer) => recordAnswer(channels, trx, c, request, answer),
    },
  };
  const publicUrl = deps.config.publicUrl ?? '';
  const channels: ChannelsContext = {
    ...ctx,
    connectors: createConnectors(sandboxChannels ? sandboxChannels.transport : fetchTransport(), deps.clock),
    refundUrlTemplate: (channel) =>
      sandboxChannels ? `${publicUrl}/sandbox/shop?order={orderId}` : CHANNEL_REFUND_URLS[channel],
  };
  const finance: AppContext & FinanceContext = { ...ctx, bank };
  // Notification e-mail (SMTP when configured, else .eml files in the data folder) and SMS.
  const mailer = createMailer(deps.config, { log: app.log });
  // The keyed audit chain's keys (audit-chain.ts), loaded before any request writes an event.
  await deps.vault.auditKeys(deps.handle.db, deps.clock.now());
  const auditHead = new AuditHeadExporter(deps.handle.db, deps.config.dataDir, app.log);
  app.addHook('onClose', () => mailer.close());
  // Every module's deadlines, and the periodic work beside them: payouts still waiting for their
  // gateway, payouts whose notification is overdue, the sandbox gateways' timed work, e-mail.
  const metrics = new Metrics(ctx);
  const sweeper = new Sweeper({ ...ctx, onFired: metrics.deadlineFired })
    .handle(orderDeadlines(ctx))
    .handle(paymentDeadlines(ctx))
    .handle(membershipDeadlines(ctx))
    .handle(refundDeadlines(ctx))
    .handle(disputeDeadlines(ctx))
    .every('payouts.submit', () => submitPendingPayouts(ctx, 50))
    .every('payouts.reconcile', () =>
      reconcileProcessingPayouts(ctx, new Date(ctx.clock.now().getTime() - 10 * 60_000), 50),
    )
    .every('sandbox', async () => void (await sandbox?.tick(ctx.clock.now())))
    .every('withdrawals.submit', () => submitPendingWithdrawals(finance, 50))
    .every('withdrawals.reconcile', () =>
      reconcileWithdrawals(finance, new Date(ctx.clock.now().getTime() - 10 * 60_000), 50),
    )
    .every('bank', async () => (await bank?.tick(ctx.clock.now()))?.delivered ?? 0)
    .every('outbox', async () => (await drainOutbox(ctx, mailer)).sent)
    .every('channels.reconcile', () => reconcileAll(channels))
    .every('channels.deliveries', () => resendDeliveries(channels, 50))
    .every('channels.answers', () => resendAnswers(channels, 50))
    .every('lookup.prune', () => pruneLookupThrottle(channels))
    .every('sandbox-channels', async () => void (await sandboxChannels?.tick(ctx.clock.now())))
    // last: the head after this sweep's own changes, copied outside the database (audit-head.ts)
    .every('audit.head', async () => ((await auditHead.export(ctx.clock.now())) ? 1 : 0));
  app.decorate('kameng', {
    ctx,
    sandbox,
    bank,
    sandboxChannels,
    channels,
    sweeper,
    // each sweep's log lines carry its run id (platform/log-context.ts)
    sweep: () => withLogContext({ job: 'sweep', runId: newRunId() }, () => sweeper.run()),
    metrics,
    auditHead,
  });

  registerProblemHandler(app);
  registerMetrics(app, metrics, deps.config.metricsToken);
  // NUL characters are refused at the edge, for every route (PostgreSQL cannot store them).
  refuseNulInput(app);
  // brotli/gzip for API JSON, text and the web app (when the client asks: app.inject sends no
  // accept-encoding, so tests see plain bodies). Server-sent events and already-encoded replies
  // (the build's precompressed .br/.gz files) are left alone; replies under 1 KiB are not worth it.
  await app.register(compress, { global: true, encodings: ['br', 'gzip'], threshold: 1024 });
  await app.register(helmet, securityHeaders(deps.config));
  await app.register(cookie);
  // Limits are declared with each route (platform/http/rate-limit.ts): per address on anonymous
  // routes, counted on arrival; per user or token (`perUser`) after authentication — registered
  // before declaredAuth, whose route check is then put in front of the limiter's preHandler.
  // Their counters are shared by every instance on the database: Redis when REDIS_URL is set, else
  // a table on PostgreSQL; SQLite (one process) counts in memory (platform/http/rate-limit-store.ts).
  const limits = await rateLimitBackend({
    redisUrl: deps.config.redisUrl,
    engine: deps.handle.engine,
    db: deps.handle.db,
    clock: deps.clock,
    log: app.log,
  });
  app.addHook('onClose', () => limits.close());
  await app.register(rateLimit, { global: false, ...limits.options });
  await app.register(multipart, { limits: { files: 1, fields: 4, fileSize: deps.config.importMaxBytes } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kameng API',
        version: VERSION,
        description:
          'Kameng 卡盟 virtual-goods platform. Errors are RFC 9457 problem+json with a stable `code` and zh-CN/en messages. ' +
          'Browser sessions use the `kameng_sid` cookie plus the `x-csrf-token` header on writes; API clients use `Authorization: Bearer kmt_…`.',
      },
      components: {
        securitySchemes: {
          cookieSession: { type: 'apiKey', in: 'cookie', name: 'kameng_sid' },
          apiToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // No validator badge: Swagger UI would fetch an image from validator.swagger.io (outside the CSP).
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { validatorUrl: null } });

  registerAuth(app, ctx);
  declaredAuth(app);

  app.get(
    '/api/health',
    {
      schema: {
        tags: ['platform'],
        summary: 'Liveness, version and database engine',
        response: {
          200: z.object({
            status: z.literal('ok'),
            version: z.string(),
            database: z.enum(['sqlite', 'postgres']),
            time: z.string(),
          }),
          ...problems(503),
        },
      },
      config: { auth: 'public' },
    },
    async () => {
      await ctx.db.selectFrom('settings').select('key').limit(1).execute();
      return {
        status: 'ok' as const,
        version: VERSION,
        database: ctx.engine,
        time: ctx.clock.now().toISOString(),
      };
    },
  );
  app.get('/api/openapi.json', { schema: { hide: true }, config: { auth: 'public' } }, async () =>
    app.swagger(),
  );

  await app.register(accountRoutes(ctx), { prefix: '/api' });
  await app.register(catalogRoutes(ctx), { prefix: '/api' });
  await app.register(adminRoutes(ctx), { prefix: '/api' });
  await app.register(inventoryRoutes(ctx), { prefix: '/api' });
  await app.register(orderRoutes(ctx), { prefix: '/api' });
  await app.register(membershipRoutes(ctx), { prefix: '/api' });
  await app.register(paymentRoutes(ctx), { prefix: '/api' });
  await app.register(financeRoutes(finance), { prefix: '/api' });
  await app.register(aftersalesRoutes(ctx), { prefix: '/api' });
  await app.register(disputeRoutes(ctx), { prefix: '/api' });
  await app.register(conversationRoutes(ctx), { prefix: '/api' });
  await app.register(notificationRoutes(ctx), { prefix: '/api' });
  await app.register(channelRoutes(channels), { prefix: '/api' });
  if (sandbox) await app.register(sandboxRoutes(ctx, sandbox), { prefix: '/api' });
  if (sandboxChannels) await app.register(sandboxChannelRoutes(ctx, sandboxChannels), { prefix: '/api' });
  // The sandbox mailbox beside the sandbox cashier (ADR 0009): registration and reset mail in the demo.
  if (deps.config.sandboxGateways) await app.register(sandboxMailRoutes(ctx), { prefix: '/api' });

  const webDir = deps.webDir ?? defaultWebDir();
  const hasWeb = existsSync(path.join(webDir, 'index.html'));
  if (hasWeb)
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      // The build writes .br and .gz next to each text asset (web/vite.config.ts): served as is.
      preCompressed: true,
      cacheControl: false,
      setHeaders: (reply, filePath) => void reply.header('cache-control', webCacheControl(webDir, filePath)),
    });
  // Client-side routes (/products/…, /login …) get the app shell; unknown /api paths are 404 problems.
  app.setNotFoundHandler((req, reply) => {
    if (
      hasWeb &&
      req.method === 'GET' &&
      !req.url.startsWith('/api/') &&
      req.headers.accept?.includes('text/html')
    ) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return sendNotFound(req, reply);
  });
  return app;
}
