/**
 * Keeps this instance's test clock in step with the others (Stage 10, several instances). The
 * offset lives in `settings` (platform/clock.ts); an advance on any instance — or by the CLI — is
 * committed there and, on PostgreSQL, announced with `pg_notify` in the same transaction, so it is
 * delivered to every listening instance exactly when it commits. Each instance LISTENs on a
 * connection of its own and re-reads the offset when told. The poll every `pollMs` stays as the
 * fallback: it covers SQLite (several processes on one file, no notifications), a listening
 * connection that dropped (notifications sent meanwhile are lost; the offset is re-read on
 * reconnect too), and an advance made by an older version that did not notify.
 *
 * Why not re-read the offset on every request: it would add a statement to every request —
 * checkout included, whose statement count is budgeted — for a value that changes a few times a
 * day in a demo and never in production.
 */
import pg from 'pg';
import { TEST_CLOCK_CHANNEL, type TestClock } from './clock.js';

interface WarnLogger {
  warn(obj: object, msg: string): void;
}

export interface ClockFollower {
  /** Resolves once the listening connection is up (immediately without PostgreSQL). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function followTestClock(input: {
  testClock: TestClock;
  /** PostgreSQL's URL; unset: the poll alone. */
  databaseUrl: string | undefined;
  pollMs: number;
  log: WarnLogger;
}): ClockFollower {
  const { testClock, log } = input;
  let closed = false;
  const refresh = (): void =>
    void testClock.refresh().catch((err: unknown) => log.warn({ err }, 'test clock refresh failed'));
  const poll = setInterval(refresh, input.pollMs).unref();

  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const listen = async (): Promise<void> => {
    if (closed || !input.databaseUrl) return;
    const c = new pg.Client({ connectionString: input.databaseUrl });
    client = c;
    c.on('notification', (n) => {
      if (n.channel === TEST_CLOCK_CHANNEL) refresh();
    });
    c.on('error', (err) => {
      log.warn({ err }, 'test clock listener lost its connection; polling until it is back');
      void c.end().catch(() => undefined);
      if (client === c) client = null;
      if (!closed && !retry)
        retry = setTimeout(() => {
          retry = null;
          void listen().catch(() => undefined);
        }, 1000).unref();
    });
    try {
      await c.connect();
      await c.query(`listen ${TEST_CLOCK_CHANNEL}`);
      refresh(); // whatever was advanced while nobody listened
    } catch (err) {
      c.emit('error', err instanceof Error ? err : new Error(String(err)));
    }
  };
  const ready = listen();

  return {
    ready,
    async close() {
      closed = true;
      clearInterval(poll);
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
