import type { Client, Res } from './app.js';

/** Changes platform rules as an admin, against the version just read (PATCH needs expectedVersion). */
export async function patchRules(admin: Client, patch: Record<string, number>): Promise<Res> {
  const current = await admin.get<{ version: number }>('/api/admin/rules');
  return admin.patch('/api/admin/rules', { ...patch, expectedVersion: current.body.version });
}
