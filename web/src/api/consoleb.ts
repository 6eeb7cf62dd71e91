/**
 * The operator console's accounts, audit log and dashboard (Stage 8, part B): typed calls of the
 * generated contract, unwrapped to their answers (failures reject with ApiError).
 */
import { client, ok } from './client';
import type { BodyOf, QueryOf, ResponseOf } from './contract';

export type AdminUser = ResponseOf<'/api/admin/users', 'get'>['items'][number];
export type UserSearch = QueryOf<'/api/admin/users', 'get'>;
export type UserStatusInput = BodyOf<'/api/admin/users/{id}/status', 'post'>;
export type AuditQuery = QueryOf<'/api/admin/audit', 'get'>;
export type AuditPage = ResponseOf<'/api/admin/audit', 'get'>;
export type AuditEvent = AuditPage['items'][number];
export type Reveal = ResponseOf<'/api/admin/audit/reveals', 'get'>['items'][number];
export type ChainReport = ResponseOf<'/api/admin/audit/verify', 'get'>;
export type Dashboard = ResponseOf<'/api/admin/dashboard', 'get'>;

/** An empty string is no filter (a text box cleared), not a filter on "". */
const text = (s: string | undefined): string | undefined => s?.trim() || undefined;

export const consoleApi = {
  users: (q: UserSearch) => ok(client.GET('/api/admin/users', { params: { query: { ...q, q: text(q.q) } } })),
  setUserStatus: (id: string, body: UserStatusInput) =>
    ok(client.POST('/api/admin/users/{id}/status', { params: { path: { id } }, body })),
  unlockLogin: (id: string) =>
    ok(client.POST('/api/admin/users/{id}/login-unlock', { params: { path: { id } } })),
  audit: (q: AuditQuery) =>
    ok(
      client.GET('/api/admin/audit', {
        params: {
          query: {
            ...q,
            objectType: text(q.objectType),
            objectId: text(q.objectId),
            actorId: text(q.actorId),
            action: text(q.action),
            cursor: text(q.cursor),
          },
        },
      }),
    ),
  reveals: () => ok(client.GET('/api/admin/audit/reveals', { params: { query: { limit: 50 } } })),
  verifyAudit: () => ok(client.GET('/api/admin/audit/verify')),
  verifyDatabase: () => ok(client.GET('/api/admin/verify')),
  dashboard: (days: number) => ok(client.GET('/api/admin/dashboard', { params: { query: { days } } })),
};
