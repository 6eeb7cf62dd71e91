import path from 'node:path';
import { z } from 'zod';

/** Environment variables the server reads; validated once at start. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Default: 127.0.0.1 outside production (the demo stays on this machine), 0.0.0.0 in production. */
  HOST: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  KAMENG_DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * The demo conveniences together: demo accounts with published passwords, the public sandbox
   * cashier and the test clock. `on` (the default outside production on the embedded database
   * with the demo master key) listens on loopback only; `public` asks for them on other interfaces
   * too; `off` runs without them. Never in production.
   */
  KAMENG_DEMO: z.enum(['on', 'off', 'public']).optional(),
  KAMENG_SEED_DEMO: z.enum(['auto', 'never']).optional(),
  KAMENG_TEST_CLOCK: z.enum(['on', 'off']).optional(),
  KAMENG_SESSION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
  KAMENG_COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  /** Reverse proxies in front of the app: a hop count, or a comma-separated list of addresses/CIDRs. */
  KAMENG_TRUST_PROXY: z
    .string()
    .regex(
      /^(\d{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/,
      'a hop count or a comma-separated list of addresses',
    )
    .optional(),
  KAMENG_PUBLIC_URL: z.string().url().optional(),
  /** 32 random bytes, base64; wraps the keys that encrypt card secrets. Required in production. */
  KAMENG_MASTER_KEY: z.string().min(1).optional(),
  /** Largest key file accepted over HTTP (bytes); the CLI reads any size. */
  KAMENG_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024 * 1024),
  /** The built-in sandbox WeChat Pay / Alipay: on by default outside production, off in it. */
  KAMENG_SANDBOX_GATEWAYS: z.enum(['on', 'off']).optional(),
  /** How often the sweeper fires due deadlines and sends waiting payouts (ms). */
  KAMENG_SWEEP_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(2000),
  /** On SIGTERM/SIGINT, how long requests in flight may take to finish before they are cut (ms). */
  KAMENG_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /**
   * Outgoing mail server, e.g. smtps://user:pass@smtp.example.com:465. Unset: each e-mail is
   * written as an .eml file under `<dataDir>/outbox/` instead of being sent.
   */
  KAMENG_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  /**
   * Bearer token for GET /metrics. Unset: /metrics answers loopback callers only (no proxy
   * headers); set: any address with `Authorization: Bearer <token>`, and nobody without it.
   */
  KAMENG_METRICS_TOKEN: z
    .string()
    .regex(/^\S{16,}$/, 'at least 16 characters, no spaces (openssl rand -hex 32)')
    .optional(),
  /**
   * Redis for the rate limiter's counters, e.g. redis://127.0.0.1:6379/0 (rediss:// for TLS). Unset:
   * the counters are in PostgreSQL (table rate_limit_counters) or, on SQLite, in the process.
   */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL')
    .optional(),
  /**
   * How often each instance re-reads the shared test-clock offset (ms). On PostgreSQL an advance is
   * also pushed to every instance at once (LISTEN/NOTIFY); this poll is the fallback.
   */
  KAMENG_CLOCK_REFRESH_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
});

export type Engine = 'sqlite' | 'postgres';

/** How the server runs (README "Runtime modes"). */
export type DemoMode = 'on' | 'off' | 'public';

export interface Config {
  env: 'development' | 'test' | 'production';
  /** The demo conveniences' switch (see KAMENG_DEMO); always `off` in production. */
  demo: DemoMode;
  /** Why the demo is off outside production when nobody switched it off, for the start banner. */
  demoOffReason: string | null;
  host: string;
  port: number;
  engine: Engine;
  databaseUrl: string | undefined;
  dataDir: string;
  sqlitePath: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  seedDemo: boolean;
  testClock: boolean;
  sessionHours: number;
  cookieSecure: boolean;
  /** false (default): the socket address is the client; a number or list: trust those proxies. */
  trustProxy: boolean | number | string[];
  publicUrl: string | undefined;
  masterKey: string | undefined;
  importMaxBytes: number;
  sweepIntervalMs: number;
  /** How long a graceful shutdown waits for requests in flight (KAMENG_SHUTDOWN_GRACE_MS). */
  shutdownGraceMs: number;
  /** Whether the simulated gateways (and their public cashier) are mounted. */
  sandboxGateways: boolean;
  /** SMTP server for notification e-mail; unset: mail is written to `<dataDir>/outbox/*.eml`. */
  smtpUrl: string | undefined;
  /** Bearer token /metrics asks for (KAMENG_METRICS_TOKEN); unset: loopback callers only. */
  metricsToken: string | undefined;
  /** Redis for the shared rate-limit counters (REDIS_URL); unset: PostgreSQL, or memory on SQLite. */
  redisUrl: string | undefined;
  /** The test clock's fallback poll (KAMENG_CLOCK_REFRESH_MS). */
  clockRefreshMs: number;
}

/** Variables whose values must not be echoed in an error (they can carry credentials). */
const SECRET_VARS = new Set([
  'DATABASE_URL',
  'KAMENG_MASTER_KEY',
  'KAMENG_SMTP_URL',
  'KAMENG_METRICS_TOKEN',
  'REDIS_URL',
]);
const shown = (name: string, value: string | undefined): string =>
  value === undefined ? 'unset' : SECRET_VARS.has(name) ? '(value hidden)' : JSON.stringify(value);

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration / 配置无效:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates configuration; the error names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name}=${shown(name, env[name])}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production && e.KAMENG_TEST_CLOCK === 'on')
    problems.push('KAMENG_TEST_CLOCK=on: the test clock cannot be enabled in production');
  // The demo accounts have published passwords: never on a production database.
  if (production && e.KAMENG_SEED_DEMO === 'auto')
    problems.push('KAMENG_SEED_DEMO=auto: demo accounts cannot be seeded in production');
  if (production && e.KAMENG_DEMO !== undefined && e.KAMENG_DEMO !== 'off')
    problems.push(
      `KAMENG_DEMO=${e.KAMENG_DEMO}: the demo (published passwords, sandbox cashier, test clock) cannot run in production`,
    );
  if (production && !e.KAMENG_MASTER_KEY)
    problems.push('KAMENG_MASTER_KEY=unset: production needs a master key (openssl rand -base64 32)');
  // Real secrets or a real database outside production mean real data: the demo is not switched on
  // by default there (an operator who wants it on such a database says KAMENG_DEMO=on).
  const realData = [e.DATABASE_URL ? 'DATABASE_URL' : null, e.KAMENG_MASTER_KEY ? 'KAMENG_MASTER_KEY' : null]
    .filter((v) => v !== null)
    .join(' and ');
  const demo: DemoMode = production ? 'off' : (e.KAMENG_DEMO ?? (realData ? 'off' : 'on'));
  const demoOffReason =
    !production && demo === 'off'
      ? e.KAMENG_DEMO === 'off'
        ? 'KAMENG_DEMO=off'
        : `${realData} set without NODE_ENV=production (KAMENG_DEMO=on to seed the demo on this database anyway)`
      : null;
  // The demo accounts come with the demo, never on their own: a database running without the demo
  // would disable them again at its next start.
  if (!production && demo === 'off' && e.KAMENG_SEED_DEMO === 'auto')
    problems.push(
      `KAMENG_SEED_DEMO=auto: the demo is off (${demoOffReason ?? 'KAMENG_DEMO=off'}); set KAMENG_DEMO=on to seed it on this database`,
    );
  const seedDemo = (e.KAMENG_SEED_DEMO ?? (demo === 'off' ? 'never' : 'auto')) === 'auto';
  const testClock = !production && (e.KAMENG_TEST_CLOCK ?? (demo === 'off' ? 'off' : 'on')) === 'on';
  // The sandbox cashier lets anyone "pay": in production it would create money from nothing.
  const sandboxGateways =
    (e.KAMENG_SANDBOX_GATEWAYS ?? (production || demo === 'off' ? 'off' : 'on')) === 'on';
  const host = e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  const conveniences = [
    seedDemo ? 'demo accounts' : null,
    sandboxGateways ? 'sandbox cashier' : null,
    testClock ? 'test clock' : null,
  ].filter((v) => v !== null);
  if (!production && demo !== 'public' && conveniences.length > 0 && !isLoopback(host))
    problems.push(
      `HOST=${JSON.stringify(host)}: the demo (${conveniences.join(', ')}) listens on this machine only. ` +
        'Set KAMENG_DEMO=public to show it on other interfaces anyway, or NODE_ENV=production ' +
        '(with KAMENG_MASTER_KEY) for real use / 演示模式只监听本机；如确需对外开放请设置 KAMENG_DEMO=public，正式使用请设置 NODE_ENV=production',
    );
  if (problems.length > 0) throw new ConfigError(problems);
  const dataDir = path.resolve(e.KAMENG_DATA_DIR);
  const trust = e.KAMENG_TRUST_PROXY;
  return {
    env: e.NODE_ENV,
    demo,
    demoOffReason,
    host,
    port: e.PORT,
    engine: e.DATABASE_URL ? 'postgres' : 'sqlite',
    databaseUrl: e.DATABASE_URL,
    dataDir,
    sqlitePath: path.join(dataDir, 'kameng.db'),
    logLevel: e.LOG_LEVEL,
    seedDemo,
    testClock,
    sessionHours: e.KAMENG_SESSION_HOURS,
    cookieSecure: (e.KAMENG_COOKIE_SECURE ?? (production ? 'true' : 'false')) === 'true',
    trustProxy: trust === undefined ? false : /^\d+$/.test(trust) ? Number(trust) : trust.split(','),
    publicUrl: e.KAMENG_PUBLIC_URL,
    masterKey: e.KAMENG_MASTER_KEY,
    importMaxBytes: e.KAMENG_IMPORT_MAX_BYTES,
    sweepIntervalMs: e.KAMENG_SWEEP_INTERVAL_MS,
    shutdownGraceMs: e.KAMENG_SHUTDOWN_GRACE_MS,
    sandboxGateways,
    smtpUrl: e.KAMENG_SMTP_URL,
    metricsToken: e.KAMENG_METRICS_TOKEN,
    redisUrl: e.REDIS_URL,
    clockRefreshMs: e.KAMENG_CLOCK_REFRESH_MS,
  };
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
