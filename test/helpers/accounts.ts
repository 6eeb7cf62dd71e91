/** Registration and recovery go through e-mail (ADR 0009): tests read the outbox for the links. */
import { sql } from 'kysely';
import type { Client, Harness } from './app.js';

export interface Mail {
  id: string;
  subject: string;
  body: string;
}

/** The e-mails queued for an address, oldest first. */
export async function mailTo(h: Pick<Harness, 'db'>, address: string): Promise<Mail[]> {
  return h.db.db
    .selectFrom('outbox')
    .select(['id', 'subject', 'body'])
    .where('channel', '=', 'EMAIL')
    .where(sql<string>`lower(recipient)`, '=', address.toLowerCase())
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** The token of the last link to `path` (`/register/confirm`, `/reset-password`) in a mail. */
export function linkToken(mail: Mail | undefined, path: string): string | null {
  const m = mail?.body.match(new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`));
  return m?.[1] ?? null;
}

export interface RegisterInput {
  username: string;
  email?: string;
  password: string;
  displayName?: string;
  phone?: string;
}

/** Registers through the API and opens the mailed link with `c`, which ends up logged in. */
export async function registerViaMail(h: Pick<Harness, 'db'>, c: Client, input: RegisterInput) {
  const email = input.email ?? `${input.username}@example.com`;
  const res = await c.post('/api/auth/register', { ...input, email });
  if (res.status !== 202) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  const token = linkToken((await mailTo(h, email)).at(-1), '/register/confirm');
  if (!token) throw new Error('register: no confirmation link mailed');
  const confirmed = await c.post<{
    user: { id: string; username: string; role: string; memberLevel: string };
    csrfToken: string;
  }>('/api/auth/register/confirm', { token });
  if (confirmed.status === 201) c.csrf = confirmed.body.csrfToken;
  return confirmed;
}
