/**
 * Random interleavings of reserve, release, deliver, reveal, activate, void and return on a small
 * pool (fast-check), on this run's engine. After every step: no key is in two units, every state
 * change is an edge of the lifecycle table, and the counts add up.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverKeys,
  releaseReservation,
  reserveKeys,
  returnToStock,
  voidUnitKeys,
} from '../../src/modules/inventory/allocation.js';
import { keyTransitions } from '../../src/modules/inventory/lifecycle.js';
import { redeemKey } from '../../src/modules/inventory/registry.js';
import { revealUnit } from '../../src/modules/inventory/reveal.js';
import { systemActor, type Actor } from '../../src/platform/actor.js';
import { DomainError } from '../../src/platform/errors.js';
import { harness, type Harness } from '../helpers/app.js';
import { importLines, product, shop, units } from '../helpers/inventory.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const KEYS = 5;
const UNITS = 6;
type Op =
  | { kind: 'reserve' | 'release' | 'deliver' | 'reveal' | 'void' | 'return'; unit: number }
  | { kind: 'activate'; key: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('reserve', 'release', 'deliver', 'reveal', 'void', 'return' as const),
    unit: fc.nat(UNITS - 1),
  }),
  fc.record({ kind: fc.constant('activate' as const), key: fc.nat(KEYS - 1) }),
);

describe('key lifecycle under random interleavings', () => {
  it('keeps every invariant', async () => {
    const s = await shop(h);
    const issuer: Actor = {
      kind: 'token',
      tokenId: 'prop-issuer',
      scope: 'issuer',
      userId: null,
      merchantId: null,
    };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), async (ops) => {
        run++;
        const p = await product(h, s);
        const lines = Array.from({ length: KEYS }, (_, i) => `P${run}K${i} pw-${run}-${i}`);
        await importLines(h, s, p.id, lines);
        const buyer = await h.account({ role: 'buyer' });
        const buyerActor: Actor = {
          kind: 'user',
          id: buyer.id,
          role: 'buyer',
          memberLevel: 'REGULAR',
          merchantId: null,
        };
        const unitIds = await units(h, p.id, p.policyId, buyer.id, UNITS);
        const c = () => ({ engine: h.db.engine, actor: systemActor('prop'), at: h.ctx.clock.now() });
        const snapshot = async () =>
          new Map(
            (
              await h.db.db
                .selectFrom('keys')
                .select(['id', 'state', 'unit_id', 'line_no'])
                .where('product_id', '=', p.id)
                .execute()
            ).map((k) => [k.id, k]),
          );
        let before = await snapshot();
        for (const op of ops) {
          try {
            const tx = <T>(fn: (trx: typeof h.db.db) => Promise<T>) => unitOfWork(h.ctx, fn);
            switch (op.kind) {
              case 'reserve':
                await tx((trx) =>
                  reserveKeys(trx, c(), { productId: p.id, buyerId: buyer.id, unitIds: [unitIds[op.unit]] }),
                );
                break;
              case 'release':
                await tx((trx) => releaseReservation(trx, c(), [unitIds[op.unit]]));
                break;
              case 'deliver':
                await tx((trx) => deliverKeys(trx, c(), [unitIds[op.unit]]));
                break;
              case 'void':
                await tx((trx) => voidUnitKeys(trx, c(), [unitIds[op.unit]]));
                break;
              case 'return':
                await tx((trx) => returnToStock(trx, c(), [unitIds[op.unit]]));
                break;
              case 'reveal':
                await revealUnit(h.ctx, buyerActor, unitIds[op.unit], { ip: null, userAgent: null });
                break;
              case 'activate':
                await redeemKey(h.ctx, issuer, {
                  cardNo: `P${run}K${op.key}`,
                  password: `pw-${run}-${op.key}`,
                });
                break;
            }
          } catch (error) {
            // refusals are fine (wrong state, out of stock, another unit's key); crashes are not
            if (!(error instanceof DomainError)) throw error;
          }
          const after = await snapshot();
          // counts add up: no key appears or disappears
          expect(after.size).toBe(KEYS);
          // every change is an edge of the table
          for (const [id, k] of after) {
            const was = before.get(id)!.state;
            if (was !== k.state) expect(keyTransitions[was][k.state], `${was} → ${k.state}`).toBeDefined();
            if (k.state === 'AVAILABLE') expect(k.unit_id).toBeNull();
          }
          // no unit holds two live keys, and no key holds two units (one column, checked by the index)
          const live = [...after.values()].filter(
            (k) => ['RESERVED', 'SEALED', 'REVEALED', 'ACTIVATED'].includes(k.state) && k.unit_id,
          );
          expect(new Set(live.map((k) => k.unit_id)).size).toBe(live.length);
          before = after;
        }
      }),
      { numRuns: 20 },
    );
  }, 120_000);
});
