/**
 * The one unit of work and the machines' one transition (issue 10), on a real database of each
 * engine: a version-checked move returns the row it made and records its audit event in the same
 * transaction; a stale or racing move is one clear 409 and changes nothing; a rolled-back unit of
 * work leaves neither the change, its event nor its after-commit work; after-commit work runs once
 * the change is durable and its failure is logged, not swallowed; a nested unit of work joins its
 * caller; the bulk move is all or nothing; PostgreSQL deadlock victims are run again.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import { auditTrail, verifyAuditChain } from '../../src/platform/audit.js';
import { DomainError } from '../../src/platform/errors.js';
import { productMachine } from '../../src/modules/catalog/products.js';
import { keyMachine } from '../../src/modules/inventory/lifecycle.js';
import { afterCommit, isRetryable, MAX_ATTEMPTS, unitOfWork } from '../../src/platform/unit-of-work.js';
import { harness, type Harness } from '../helpers/app.js';
import { testEngine } from '../helpers/db.js';
import { cardLines, importLines, product, shop } from '../helpers/inventory.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const actor = systemActor('test');
const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof DomainError ? e.code : `error: ${String(e)}`),
  );
const statusOf = async (id: string) =>
  h.db.db.selectFrom('products').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow();

describe('a machine transition', () => {
  it('moves one version, returns the row it made, and records its audit event in the same unit of work', async () => {
    const s = await shop(h);
    const { id } = await product(h, s);
    const moved = await unitOfWork(h.ctx, (trx) =>
      productMachine.transition(trx, {
        row: { id, status: 'DRAFT', version: 1 },
        to: 'ON_SALE',
        by: 'merchant',
        actor: s.actor,
        at: h.ctx.clock.now(),
      }),
    );
    expect(moved).toMatchObject({ id, status: 'ON_SALE', version: 2 });
    const trail = await auditTrail(h.db.db, 'product', id);
    expect(trail.at(-1)).toMatchObject({ action: 'product.status_changed' });
    expect(JSON.parse(trail.at(-1)!.data)).toMatchObject({ from: 'DRAFT', to: 'ON_SALE' });
  });

  it('a stale version and the loser of a race are one 409 each; nothing else changes', async () => {
    const s = await shop(h);
    const { id } = await product(h, s);
    const move = (version: number) =>
      unitOfWork(h.ctx, (trx) =>
        productMachine.transition(trx, {
          row: { id, status: 'DRAFT', version },
          to: 'ON_SALE',
          by: 'merchant',
          actor: s.actor,
          at: h.ctx.clock.now(),
        }),
      );
    expect(await codeOf(move(7))).toBe('request.conflict');
    expect(await statusOf(id)).toEqual({ status: 'DRAFT', version: 1 });
    const results = await Promise.all([codeOf(move(1)), codeOf(move(1)), codeOf(move(1))]);
    expect(results.sort()).toEqual(['ok', 'request.conflict', 'request.conflict']);
    expect(await statusOf(id)).toEqual({ status: 'ON_SALE', version: 2 });
    const events = (await auditTrail(h.db.db, 'product', id)).filter(
      (e) => e.action === 'product.status_changed',
    );
    expect(events).toHaveLength(1);
  });

  it('a role the edge does not name, or an edge the table does not have, is refused before anything moves', async () => {
    const s = await shop(h);
    const { id } = await product(h, s);
    const move = (to: 'ON_SALE' | 'OFF_SALE', by: 'merchant' | 'admin') =>
      unitOfWork(h.ctx, (trx) =>
        productMachine.transition(trx, {
          row: { id, status: 'DRAFT', version: 1 },
          to,
          by,
          actor,
          at: h.ctx.clock.now(),
        }),
      );
    expect(await codeOf(move('ON_SALE', 'admin'))).toBe('auth.forbidden');
    expect(await codeOf(move('OFF_SALE', 'merchant'))).toBe('catalog.transition_not_allowed');
    expect(await statusOf(id)).toEqual({ status: 'DRAFT', version: 1 });
  });

  it('the bulk move is all or nothing: one key moved by someone else fails them all', async () => {
    const s = await shop(h);
    const { id } = await product(h, s);
    await importLines(h, s, id, cardLines(3, 'UOW'));
    const keys = await h.db.db
      .selectFrom('keys')
      .select(['id', 'state'])
      .where('product_id', '=', id)
      .execute();
    await unitOfWork(h.ctx, (trx) =>
      keyMachine.transitionMany(trx, {
        rows: [keys[0]],
        to: 'VOIDED',
        by: 'merchant',
        actor,
        at: h.ctx.clock.now(),
      }),
    );
    const all = unitOfWork(h.ctx, (trx) =>
      keyMachine.transitionMany(trx, {
        rows: keys,
        to: 'VOIDED',
        by: 'merchant',
        actor,
        at: h.ctx.clock.now(),
      }),
    );
    expect(await codeOf(all)).toBe('inventory.key_conflict');
    const states = await h.db.db.selectFrom('keys').select('state').where('product_id', '=', id).execute();
    expect(states.map((k) => k.state).sort()).toEqual(['AVAILABLE', 'AVAILABLE', 'VOIDED']);
  });
});

describe('the unit of work', () => {
  it('rolls back the change, its audit event and its after-commit work together', async () => {
    const s = await shop(h);
    const { id } = await product(h, s);
    const ran: string[] = [];
    const failed = unitOfWork(h.ctx, async (trx) => {
      await productMachine.transition(trx, {
        row: { id, status: 'DRAFT', version: 1 },
        to: 'ON_SALE',
        by: 'merchant',
        actor: s.actor,
        at: h.ctx.clock.now(),
      });
      afterCommit(trx, 'test', async () => void ran.push('hook'));
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    expect(await statusOf(id)).toEqual({ status: 'DRAFT', version: 1 });
    expect(
      (await auditTrail(h.db.db, 'product', id)).some((e) => e.action === 'product.status_changed'),
    ).toBe(false);
    expect(ran).toEqual([]);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('runs after-commit work once the change is durable; a failing hook is logged, the change stands', async () => {
    const s = await shop(h);
    const { id } = await product(h, s);
    const seen: string[] = [];
    const logged: object[] = [];
    const log = { error: (obj: object) => void logged.push(obj), warn: () => undefined };
    await unitOfWork({ db: h.ctx.db, log }, async (trx) => {
      await productMachine.transition(trx, {
        row: { id, status: 'DRAFT', version: 1 },
        to: 'ON_SALE',
        by: 'merchant',
        actor: s.actor,
        at: h.ctx.clock.now(),
      });
      afterCommit(trx, 'sees the committed row', async () => {
        seen.push((await statusOf(id)).status); // read outside the transaction: committed
      });
      afterCommit(trx, 'a gateway that is down', async () => {
        throw new Error('gateway down');
      });
      afterCommit(trx, 'still runs', async () => void seen.push('after'));
    });
    expect(seen).toEqual(['ON_SALE', 'after']);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ afterCommit: 'a gateway that is down' });
  });

  it('a nested unit of work joins its caller: one transaction, hooks after the outer commit', async () => {
    const s = await shop(h);
    const a = await product(h, s);
    const b = await product(h, s);
    const order: string[] = [];
    const move = (trx: typeof h.ctx.db, pid: string) =>
      productMachine.transition(trx, {
        row: { id: pid, status: 'DRAFT', version: 1 },
        to: 'ON_SALE',
        by: 'merchant',
        actor: s.actor,
        at: h.ctx.clock.now(),
      });
    const failed = unitOfWork(h.ctx, async (trx) => {
      await move(trx, a.id);
      await unitOfWork({ db: trx }, async (inner) => {
        await move(inner, b.id);
        afterCommit(inner, 'inner', async () => void order.push('inner hook'));
      });
      throw new Error('outer fails after the inner one');
    });
    await expect(failed).rejects.toThrow('outer fails');
    expect((await statusOf(a.id)).status).toBe('DRAFT');
    expect((await statusOf(b.id)).status).toBe('DRAFT'); // the inner change rolled back with it
    expect(order).toEqual([]);
  });

  it('refuses audit events and after-commit work outside a unit of work', async () => {
    await expect(
      h.db.db.transaction().execute(async (trx) => {
        afterCommit(trx, 'nowhere', async () => undefined);
      }),
    ).rejects.toThrow(/inside a unit of work/);
  });

  it('runs a transaction again only when PostgreSQL aborted it as a deadlock or serialization victim', async () => {
    expect(isRetryable({ code: '40P01' })).toBe(true);
    expect(isRetryable({ code: '40001' })).toBe(true);
    expect(isRetryable({ code: '23505' })).toBe(false);
    expect(isRetryable(new DomainError('request.conflict'))).toBe(false);
    // a victim every time: given up after MAX_ATTEMPTS, with the database's own error
    let attempts = 0;
    const always = unitOfWork(h.ctx, async () => {
      attempts++;
      throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    });
    await expect(always).rejects.toMatchObject({ code: '40P01' });
    expect(attempts).toBe(MAX_ATTEMPTS);
    // anything else is not run again
    attempts = 0;
    await expect(
      unitOfWork(h.ctx, async () => {
        attempts++;
        throw new DomainError('request.conflict');
      }),
    ).rejects.toBeInstanceOf(DomainError);
    expect(attempts).toBe(1);
  });

  it.skipIf(testEngine() !== 'postgres')(
    'two transactions locking the same rows in opposite order: the deadlock victim is run again, both commit',
    async () => {
      const s = await shop(h);
      const a = await product(h, s);
      const b = await product(h, s);
      // Each transaction takes its first row, waits until the other has taken its own, then wants
      // the other's: PostgreSQL aborts one of them (40P01) after deadlock_timeout.
      let arrived = 0;
      let release!: () => void;
      const bothHaveOne = new Promise<void>((r) => (release = r));
      let runs = 0;
      const touch = (first: string, second: string) =>
        unitOfWork(h.ctx, async (trx) => {
          runs++;
          await sql`update products set description = description || '.' where id = ${first}`.execute(trx);
          if (++arrived === 2) release();
          await bothHaveOne;
          await sql`update products set description = description || '.' where id = ${second}`.execute(trx);
        });
      await Promise.all([touch(a.id, b.id), touch(b.id, a.id)]);
      expect(runs).toBe(3); // one of them ran twice
      const rows = await h.db.db
        .selectFrom('products')
        .select('description')
        .where('id', 'in', [a.id, b.id])
        .execute();
      for (const r of rows) expect(r.description.endsWith('..')).toBe(true);
    },
  );
});

describe('PostgreSQL connections', () => {
  it.runIf(testEngine() === 'postgres')(
    'a connection terminated between queries (a server restart, an admin) does not end the process; the pool opens another',
    async () => {
      await h.db.db.connection().execute(async (conn) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
        await sql`select pg_terminate_backend(${rows[0].pid})`.execute(h.db.db);
        // the checked-out connection hears of it while no query runs: an 'error' event
        await new Promise((resolve) => setTimeout(resolve, 300));
        await expect(sql`select 1`.execute(conn)).rejects.toThrow();
      });
      const again = await sql<{ one: number }>`select 1 as one`.execute(h.db.db);
      expect(Number(again.rows[0].one)).toBe(1);
    },
  );
});
