/**
 * Where @fastify/rate-limit keeps its counters, so that several app instances on one database count
 * together (Stage 10):
 *
 * - `REDIS_URL` set: Redis, through the plugin's own Redis store (an atomic Lua INCR + PEXPIRE per
 *   hit) with an `ioredis` client that closes with the app.
 * - otherwise on PostgreSQL: the `rate_limit_counters` table (migration 0018), one atomic upsert per
 *   hit that counts into the current window or starts a new one when it has ended — one statement,
 *   one round trip, no read-then-write race between instances. Ended windows are deleted at most
 *   once a minute per process, by an indexed range delete.
 * - SQLite: the plugin's in-process memory store. The embedded database serves one process, so
 *   there is nobody to share with, and a write per limited request would take SQLite's only writer.
 *
 * Times come from the app's clock (the test clock included), the same on every instance.
 */
import type {
  FastifyRateLimitStore,
  FastifyRateLimitStoreCtor,
  RateLimitPluginOptions,
} from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db, Engine } from '../db/dialect.js';

type Incr = Parameters<FastifyRateLimitStore['incr']>;
type Callback = Incr[1];

/** How often one process deletes counters whose window ended (ms). */
const PRUNE_EVERY_MS = 60_000;

/**
 * The route part of a counter's key, as the plugin's Redis store makes it. The plugin hands `child`
 * its merged route options with the route under `routeInfo` (its typings say the route itself).
 */
function routePrefix(routeOptions: object): string {
  const info = (routeOptions as { routeInfo?: unknown }).routeInfo;
  const r = (info ?? {}) as { method?: string | string[]; url?: string };
  const method = Array.isArray(r.method) ? r.method.join(',') : (r.method ?? '');
  return `${method}${r.url ?? ''}-`;
}

/**
 * A store class over the `rate_limit_counters` table. The plugin constructs it itself (with its
 * options), so the database and clock are closed over.
 */
export function databaseRateLimitStore(db: Db, clock: Clock): FastifyRateLimitStoreCtor {
  let lastPruneMs = 0;
  const prune = (at: number): void => {
    if (at - lastPruneMs < PRUNE_EVERY_MS) return;
    lastPruneMs = at;
    // best effort: a failed prune only leaves ended windows a little longer
    void db
      .deleteFrom('rate_limit_counters')
      .where('expires_ms', '<=', at)
      .execute()
      .catch(() => undefined);
  };

  class DatabaseStore implements FastifyRateLimitStore {
    constructor(
      _options?: unknown,
      private readonly prefix = 'kameng-rl-',
    ) {}

    incr(key: string, callback: Callback, timeWindow: number, _max: number): void {
      const at = clock.now().getTime();
      const expires = at + timeWindow;
      const ended = sql<boolean>`${sql.ref('rate_limit_counters.expires_ms')} <= ${at}`;
      db.insertInto('rate_limit_counters')
        .values({ key: this.prefix + key, hits: 1, expires_ms: expires })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            hits: sql<number>`case when ${ended} then 1 else ${sql.ref('rate_limit_counters.hits')} + 1 end`,
            expires_ms: sql<number>`case when ${ended} then ${expires} else ${sql.ref('rate_limit_counters.expires_ms')} end`,
          }),
        )
        .returning(['hits', 'expires_ms'])
        .executeTakeFirstOrThrow()
        .then(
          (row) => {
            callback(null, { current: Number(row.hits), ttl: Math.max(0, Number(row.expires_ms) - at) });
            prune(at);
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
    }

    child(routeOptions: object): FastifyRateLimitStore {
      return new DatabaseStore(undefined, `${this.prefix}${routePrefix(routeOptions)}`);
    }
  }
  return DatabaseStore;
}

export interface RateLimitBackend {
  /** Options for `app.register(rateLimit, …)` beside `global: false`. */
  options: Pick<RateLimitPluginOptions, 'store' | 'redis' | 'nameSpace' | 'skipOnError'>;
  /** Which store counts: for the start banner and tests. */
  kind: 'redis' | 'database' | 'memory';
  /** Closes what the backend opened (the Redis connection); run on app close. */
  close(): Promise<void>;
}

/**
 * Chooses the counters' store: Redis when `redisUrl` is set (connected here, so a wrong URL fails
 * the start, not the first login), the database on PostgreSQL, memory on SQLite.
 */
export async function rateLimitBackend(input: {
  redisUrl: string | undefined;
  engine: Engine;
  db: Db;
  clock: Clock;
  log?: { warn(obj: object, msg: string): void };
}): Promise<RateLimitBackend> {
  if (input.redisUrl) {
    const redis = new Redis(input.redisUrl, {
      lazyConnect: true,
      // a request waits for at most one retry when Redis is away, then is let through (below)
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
    });
    // Connection errors are the client's events (it reconnects by itself): logged, never thrown.
    let lastError: Error | null = null;
    redis.on('error', (err: Error) => {
      lastError = err;
      input.log?.warn({ err }, 'rate limiter: Redis connection error');
    });
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect(); // no retrying in the background of a start that failed
      const reason = (lastError ?? (error as Error)).message;
      throw new Error(`REDIS_URL: cannot connect to Redis (${reason})`, { cause: error });
    }
    return {
      kind: 'redis',
      // Redis unreachable for a moment: requests pass unlimited rather than failing (login
      // throttling and the reveal budget are in the database and still hold).
      options: { redis, nameSpace: 'kameng-rl-', skipOnError: true },
      close: async () => {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }
  if (input.engine === 'postgres')
    return {
      kind: 'database',
      options: { store: databaseRateLimitStore(input.db, input.clock) },
      close: () => Promise.resolve(),
    };
  return { kind: 'memory', options: {}, close: () => Promise.resolve() };
}
