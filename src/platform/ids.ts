import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** A random secret token (session, CSRF, API token), URL-safe. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Tokens are stored only as SHA-256: a database leak does not reveal live credentials. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
