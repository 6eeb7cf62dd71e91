import path from 'node:path';
import { z } from 'zod';

/** Environment variables the server reads; validated once at start. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  KAMENG_DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  /**
   * Outgoing mail server, e.g. smtps://user:pass@smtp.example.com:465. Unset: each e-mail is
   * written as an .eml file under `<dataDir>/outbox/` instead of being sent.
   */
  KAMENG_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
});

export type Engine = 'sqlite' | 'postgres';

export interface Config {
  env: 'development' | 'test' | 'production';
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
  /** Whether the simulated gateways (and their public cashier) are mounted. */
  sandboxGateways: boolean;
  /** SMTP server for notification e-mail; unset: mail is written to `<dataDir>/outbox/*.eml`. */
  smtpUrl: string | undefined;
}

/** Variables whose values must not be echoed in an error (they can carry credentials). */
const SECRET_VARS = new Set(['DATABASE_URL', 'KAMENG_MASTER_KEY', 'KAMENG_SMTP_URL']);
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
  if (e.NODE_ENV === 'production' && e.KAMENG_TEST_CLOCK === 'on') {
    throw new ConfigError(['KAMENG_TEST_CLOCK=on: the test clock cannot be enabled in production']);
  }
  const production = e.NODE_ENV === 'production';
  if (production && e.KAMENG_SEED_DEMO === 'auto') {
    // The demo accounts have published passwords: never on a production database.
    throw new ConfigError(['KAMENG_SEED_DEMO=auto: demo accounts cannot be seeded in production']);
  }
  if (production && !e.KAMENG_MASTER_KEY) {
    throw new ConfigError([
      'KAMENG_MASTER_KEY=unset: production needs a master key (openssl rand -base64 32)',
    ]);
  }
  const dataDir = path.resolve(e.KAMENG_DATA_DIR);
  const trust = e.KAMENG_TRUST_PROXY;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    engine: e.DATABASE_URL ? 'postgres' : 'sqlite',
    databaseUrl: e.DATABASE_URL,
    dataDir,
    sqlitePath: path.join(dataDir, 'kameng.db'),
    logLevel: e.LOG_LEVEL,
    seedDemo: (e.KAMENG_SEED_DEMO ?? (production ? 'never' : 'auto')) === 'auto',
    // Outside production the test clock is on unless switched off explicitly.
    testClock: e.NODE_ENV !== 'production' && e.KAMENG_TEST_CLOCK !== 'off',
    sessionHours: e.KAMENG_SESSION_HOURS,
    cookieSecure: (e.KAMENG_COOKIE_SECURE ?? (production ? 'true' : 'false')) === 'true',
    trustProxy: trust === undefined ? false : /^\d+$/.test(trust) ? Number(trust) : trust.split(','),
    publicUrl: e.KAMENG_PUBLIC_URL,
    masterKey: e.KAMENG_MASTER_KEY,
    importMaxBytes: e.KAMENG_IMPORT_MAX_BYTES,
    sweepIntervalMs: e.KAMENG_SWEEP_INTERVAL_MS,
    // The sandbox cashier lets anyone "pay": in production it would create money from nothing.
    sandboxGateways: (e.KAMENG_SANDBOX_GATEWAYS ?? (production ? 'off' : 'on')) === 'on',
    smtpUrl: e.KAMENG_SMTP_URL,
  };
}
