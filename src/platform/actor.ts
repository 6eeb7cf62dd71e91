import type { MemberLevel, Role, TokenScope } from './db/schema.js';

/** Who is acting. Every service call and every audit event carries one. */
export type Actor =
  | { kind: 'user'; id: string; role: Role; memberLevel: MemberLevel; merchantId: string | null }
  | { kind: 'token'; tokenId: string; scope: TokenScope; userId: string | null; merchantId: string | null }
  | { kind: 'system'; name: string };

/** A logged-in person (not an API token or the system). */
export type UserActor = Extract<Actor, { kind: 'user' }>;

export const systemActor = (name: string): Actor => ({ kind: 'system', name });

export function actorLabel(actor: Actor): { id: string | null; role: string } {
  switch (actor.kind) {
    case 'user':
      return { id: actor.id, role: actor.role };
    case 'token':
      return { id: actor.tokenId, role: `token:${actor.scope}` };
    case 'system':
      return { id: null, role: `system:${actor.name}` };
  }
}
