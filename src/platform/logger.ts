import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';

/**
 * Paths pino censors wherever they appear in a log object: passwords, tokens, cookies, key
 * material. Request bodies are never logged by default; these guard what a developer adds.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.password_hash',
  '*.token',
  '*.csrfToken',
  '*.secret',
  '*.cardSecret',
  '*.keySecret',
  '*.masterKey',
  '*.privateKey',
  'body.password',
  'body.token',
  'body.secret',
];

export function loggerOptions(config: Pick<Config, 'logLevel' | 'env'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
  };
}
