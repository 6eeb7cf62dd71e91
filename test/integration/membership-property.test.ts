/**
 * A buyer's member level follows their membership periods (spec §2; issue 10, defect 2), property
 * tested: random sequences of VIP and 超会 purchases (a same-level purchase queues after the running
 * period), refunds of unused periods in any order, and clock jumps across period starts and ends.
 * After every step, the level the session shows (which prices the product pages) and the level
 * checkout prices at are the highest level among the ACTIVE periods running at that instant, before
 * any sweep; after a sweep the stored level agrees too.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { verifyLedger } from '../../src/modules/payments/ledger.js';
import { harness, type Harness } from '../helpers/app.js';
import { buy, buyMembership, fund, idem, stocked, type Stocked } from '../helpers/orders.js';

let h: Harness;
let p: Stocked;
const RANK = { REGULAR: 1, VIP: 2, SUPER: 3 } as const;
type Level = keyof typeof RANK;
type Period = {
  orderId: string;
  level: Level;
  startsAt: string;
  endsAt: string;
  state: string;
  refundable: boolean;
};

beforeAll(async () => {
  // Sessions last 90 days; a run moves the clock at most 80 (periods last 30: starts and ends are crossed).
  h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
  p = await stocked(h, 400, { prices: { REGULAR: 1000, VIP: 900, SUPER: 800 } });
});
afterAll(() => h.close());

type Action =
  | { kind: 'buy'; level: 'VIP' | 'SUPER' }
  | { kind: 'refund'; pick: number }
  | { kind: 'wait'; hours: number }
  | { kind: 'order' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('buy' as const), level: fc.constantFrom('VIP' as const, 'SUPER' as const) }),
  fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(5) }),
  fc.record({ kind: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 8 * 24 }) }),
  fc.constant({ kind: 'order' as const }),
);

describe('member level follows the membership periods', () => {
  it('whatever order periods start, end or are refunded in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 10 }), async (actions) => {
        const b = await h.loggedIn({ role: 'buyer' });
        await fund(h, b.userId, 1_000_000);
        const periods = async () => (await b.get<{ items: Period[] }>('/api/me/memberships')).body.items;
        const expected = async (): Promise<Level> => {
          const t = h.testClock.now().getTime();
          const running = (await periods()).filter(
            (m) => m.state === 'ACTIVE' && Date.parse(m.startsAt) <= t && t < Date.parse(m.endsAt),
          );
          return running.reduce<Level>((best, m) => (RANK[m.level] > RANK[best] ? m.level : best), 'REGULAR');
        };
        const sessionLevel = async () =>
          (await b.get<{ user: { memberLevel: Level } }>('/api/auth/me')).body.user.memberLevel;
        for (const a of actions) {
          switch (a.kind) {
            case 'buy': {
              const res = await buyMembership(b, a.level);
              // a lower level than the one running is refused; anything else is bought
              if (res.status !== 201)
                expect((res.body as { code: string }).code).toBe('membership.lower_than_current');
              break;
            }
            case 'refund': {
              const active = (await periods()).filter((m) => m.state === 'ACTIVE');
              const m = active[a.pick % Math.max(1, active.length)];
              if (!m) break;
              const res = await b.req<{ state: string; code: string }>(
                'POST',
                `/api/orders/${m.orderId}/refunds`,
                { reason: 'NO_LONGER_NEEDED', description: '不需要了' },
                { 'idempotency-key': idem() },
              );
              if (m.refundable) expect(res.body.state, JSON.stringify(res.body)).toBe('REFUNDED');
              else expect(res.body.code).toBe('refund.not_eligible');
              break;
            }
            case 'wait':
              h.base.advance(a.hours * 3_600_000);
              break;
            case 'order': {
              const res = await buy(b, p, 1);
              expect(res.status, JSON.stringify(res.body)).toBe(201);
              const level = await expected();
              expect(res.body).toMatchObject({ buyerLevel: level, unitPriceFen: p.prices[level] });
              break;
            }
          }
          // before any sweep: what the pages show and what checkout would charge
          const want = await expected();
          expect(await sessionLevel()).toBe(want);
          await h.app.kameng.sweep();
          const stored = await h.db.db
            .selectFrom('users')
            .select('member_level')
            .where('id', '=', b.userId)
            .executeTakeFirstOrThrow();
          expect(stored.member_level).toBe(want);
        }
      }),
      {
        numRuns: Number(process.env.PROPERTY_RUNS ?? 25),
        seed: Number(process.env.PROPERTY_SEED ?? 20261206),
        // The review's case first: two 超会 periods, the running one refunded, the queued one starts.
        examples: [
          [
            [
              { kind: 'buy', level: 'SUPER' },
              { kind: 'buy', level: 'SUPER' },
              { kind: 'refund', pick: 0 },
              { kind: 'wait', hours: 30 * 24 + 1 },
              { kind: 'order' },
              { kind: 'wait', hours: 30 * 24 },
            ],
          ],
        ],
      },
    );
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });
});
