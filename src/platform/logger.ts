import type { FastifyServerOptions } from 'fastify';
import { pino } from 'pino';
import type { Config } from './config.js';
import { logContextMixin } from './log-context.js';

/**
 * Paths pino censors wherever they appear in a log object: passwords, tokens, cookies, key
 * material. Request bodies are never logged by default; these guard what a developer adds.
 */
const SECRET_KEYS = [
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'csrfToken',
  'secret',
  'cardSecret',
  'keySecret',
  'masterKey',
  'privateKey',
  'accountNo',
  'account_no',
  'authorization',
  'cookie',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  // the key at the top level, one level down and two levels down (e.g. { body: { user: { password } } })
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

/**
 * Paths that carry a bearer secret — a channel buyer's lookup link token opens their keys — are
 * logged with the token masked (redaction matches object keys, not parts of a URL).
 */
export function maskSecretPaths(url: string): string {
  return url.replace(/\/(lookup|k)\/[A-Za-z0-9_-]{8,}/g, '/$1/[REDACTED]');
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

export function loggerOptions(
  config: Pick<Config, 'logLevel' | 'env'>,
): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    // the request id (or background run id) on every line, whichever logger wrote it (log-context.ts)
    mixin: logContextMixin,
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: maskSecretPaths(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  };
}

/** What code outside a request needs of a logger: errors and warnings, with context (pino's signature). */
export interface ErrorLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Errors only, secrets redacted, the request or run id added: what fallbackLogger is, on any stream. */
export function errorLogger(destination: pino.DestinationStream): ErrorLogger {
  return pino(
    { level: 'error', redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, mixin: logContextMixin },
    destination,
  );
}

/** For work without the app's logger at hand (CLI, tests): stderr, secrets redacted. */
export const fallbackLogger: ErrorLogger = errorLogger(pino.destination(2));
