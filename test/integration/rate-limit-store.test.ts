/**
 * The shared rate-limit counters (Stage 10, platform/http/rate-limit-store.ts):
 * - the database store counts each hit with one atomic statement: concurrent hits on one key get
 *   distinct counts, and a window that ended starts again at 1 (both engines: the statement is the
 *   same; the server uses it on PostgreSQL);
 * - with REDIS_URL two apps count into the same Redis counters (skipped when no Redis answers at
 *   TEST_REDIS_URL, default redis://127.0.0.1:6379).
 * Two real server processes sharing the PostgreSQL store: test/integration/two-instances.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/platform/clock.js';
import { databaseRateLimitStore } from '../../src/platform/http/rate-limit-store.js';
import { harness, type Harness } from '../helpers/app.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAnswers(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, retryStrategy: () => null });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
const hasRedis = await redisAnswers();

describe('the database store', () => {
  let db: TestDb;
  const clock = new FixedClock(new Date('2026-01-05T02:00:00Z'));
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.destroy());

  type Store = ReturnType<InstanceType<ReturnType<typeof databaseRateLimitStore>>['child']>;
  const hit = (store: Store, key: string, windowMs: number) =>
    new Promise<{ current: number; ttl: number }>((resolve, reject) =>
      store.incr(
        key,
        (err, r) => (err || !r ? reject(err ?? new Error('no result')) : resolve(r)),
        windowMs,
        10,
      ),
    );
  const storeFor = (url: string): Store => {
    const Ctor = databaseRateLimitStore(db.db, clock);
    return new Ctor({}).child({ routeInfo: { method: 'POST', url } } as never);
  };

  it('counts concurrent hits on one key atomically: each gets its own count', async () => {
    const store = storeFor('/api/x');
    const counts = await Promise.all(Array.from({ length: 40 }, () => hit(store, '198.18.1.1', 60_000)));
    expect(counts.map((c) => c.current).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    // another route and another client have their own counters
    expect((await hit(storeFor('/api/y'), '198.18.1.1', 60_000)).current).toBe(1);
    expect((await hit(store, '198.18.1.2', 60_000)).current).toBe(1);
  });

  it('starts a new window when the old one has ended, and tells the time left', async () => {
    const store = storeFor('/api/z');
    expect(await hit(store, 'k', 60_000)).toEqual({ current: 1, ttl: 60_000 });
    clock.advance(20_000);
    expect(await hit(store, 'k', 60_000)).toEqual({ current: 2, ttl: 40_000 });
    clock.advance(40_000); // the window's end
    expect(await hit(store, 'k', 60_000)).toEqual({ current: 1, ttl: 60_000 });
    const rows = await db.db.selectFrom('rate_limit_counters').select('key').execute();
    expect(rows.map((r) => r.key)).toContain('kameng-rl-POST/api/z-k');
  });
});

describe.skipIf(!hasRedis)('with REDIS_URL, two apps count together', () => {
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    a = await harness({ REDIS_URL });
    b = await harness({ REDIS_URL });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('hits split between the two use up one budget (20 a minute per address)', async () => {
    // an address of its own for this run: the counters outlive the test in Redis
    const ip = `198.19.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
    const [ca, cb] = [a.client(), b.client()];
    ca.ip = ip;
    cb.ip = ip;
    const url = '/api/auth/password-reset/confirm';
    for (let i = 0; i < 20; i++) expect((await (i % 2 ? cb : ca).post(url, {})).status).not.toBe(429);
    const over = await ca.post(url, {});
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ code: 'request.too_many' });
    expect((await cb.post(url, {})).status).toBe(429);
  });
});
