/**
 * The one object-level authorisation rule book. Routes and services ask `authorize()` before
 * showing or changing an object. Whoever may not even see an object gets the object's 404
 * (existence is not leaked); whoever may see it but not change it gets a 403.
 */
import type { Actor } from '../../platform/actor.js';
import type { ProductStatus } from '../../platform/db/schema.js';
import { fail, type ErrorCode } from '../../platform/errors.js';

export type ObjectRef =
  | { type: 'user'; id: string }
  | { type: 'merchant'; id: string }
  | { type: 'product'; merchantId: string; status: ProductStatus }
  | { type: 'api_token'; userId: string | null; merchantId: string | null }
  /** A shop's internal records (import batches, keys in stock): its owner and staff only. */
  | { type: 'shop_record'; merchantId: string };

export type Action = 'read' | 'update';

const isStaff = (a: Actor): boolean => a.kind === 'user' && (a.role === 'admin' || a.role === 'support');

/**
 * The shop an actor acts for: a merchant user's own shop, or a merchant-kind token's. Channel and
 * issuer tokens bound to a shop do not act for it (their purpose is the channel connector and the
 * activation registry): every use case that asks "whose shop" asks here, never `actor.merchantId`.
 */
export function actingMerchant(a: Actor | null): string | null {
  if (!a) return null;
  if (a.kind === 'user') return a.role === 'merchant' ? a.merchantId : null;
  if (a.kind === 'token') return a.scope === 'merchant' ? a.merchantId : null;
  return null;
}

export function can(actor: Actor | null, action: Action, obj: ObjectRef): boolean {
  if (actor?.kind === 'system') return true;
  switch (obj.type) {
    case 'user': {
      const self = actor?.kind === 'user' && actor.id === obj.id;
      return action === 'read' ? self || (actor !== null && isStaff(actor)) : self;
    }
    case 'merchant':
      // A shop front is public; only its owner edits it.
      return action === 'read' || actingMerchant(actor) === obj.id;
    case 'product': {
      const owner = actingMerchant(actor) === obj.merchantId;
      if (action === 'update') return owner;
      return owner || obj.status !== 'DRAFT' || (actor !== null && isStaff(actor));
    }
    case 'shop_record': {
      const owner = actingMerchant(actor) === obj.merchantId;
      return action === 'read' ? owner || (actor !== null && isStaff(actor)) : owner;
    }
    case 'api_token': {
      const mine =
        (actor?.kind === 'user' && obj.userId === actor.id) ||
        (obj.merchantId !== null && actingMerchant(actor) === obj.merchantId);
      return mine || (actor?.kind === 'user' && actor.role === 'admin');
    }
  }
}

/** Throws `notFound` when the actor may not see the object, 403 when it may see but not act. */
export function authorize(actor: Actor | null, action: Action, obj: ObjectRef, notFound: ErrorCode): void {
  if (can(actor, action, obj)) return;
  if (action !== 'read' && can(actor, 'read', obj)) fail('auth.forbidden');
  fail(notFound);
}
