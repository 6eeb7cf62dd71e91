import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { harness, PASSWORD, type Harness } from '../helpers/app.js';
import { registerViaMail } from '../helpers/accounts.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe('secrets never reach logs or the audit trail', () => {
  it('passwords, session cookies, CSRF and API tokens are absent from every log line and audit event', async () => {
    const secretPw = 'Sup3r-Secret-Passw0rd';
    const c = h.client();
    await registerViaMail(h, c, { username: 'leaky_user', password: secretPw });
    await h.client().login('leaky_user', 'wrong-guess-pw');
    const m = await h.loggedIn({ role: 'merchant' });
    const token = (await m.post<{ token: string }>('/api/merchant/tokens', { name: 'k' })).body.token;
    const api = h.client();
    api.bearer = token;
    await api.get('/api/merchant/profile');
    h.app.log.info({ password: secretPw, token, body: { secret: 'card-secret-123' } }, 'a careless log line');

    const logs = h.logs.join('\n');
    expect(logs).toContain('a careless log line');
    const audit = (await h.db.db.selectFrom('audit_events').select('data').execute())
      .map((r) => r.data)
      .join('\n');
    for (const secret of [
      secretPw,
      PASSWORD,
      token,
      c.cookie!.split('=')[1],
      c.csrf,
      m.csrf!,
      'card-secret-123',
    ]) {
      expect(logs).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
    expect(logs).toContain('[REDACTED]');
  });
});

describe('audit hash chain', () => {
  it('detects a rewritten event even when someone bypasses the append-only trigger', async () => {
    await h.loggedIn({ role: 'merchant' });
    expect(await verifyAuditChain(h.db.db)).toMatchObject({ ok: true, brokenAtSeq: null });
    const victim = await h.db.db
      .selectFrom('audit_events')
      .select('seq')
      .orderBy('seq')
      .limit(1)
      .offset(2)
      .executeTakeFirstOrThrow();
    if (h.db.engine === 'postgres') {
      await sql`alter table audit_events disable trigger user`.execute(h.db.db);
      await sql`update audit_events set data = '{"forged":true}' where seq = ${victim.seq}`.execute(h.db.db);
      await sql`alter table audit_events enable trigger user`.execute(h.db.db);
    } else {
      await sql`drop trigger audit_events_no_update`.execute(h.db.db);
      await sql`update audit_events set data = '{"forged":true}' where seq = ${victim.seq}`.execute(h.db.db);
    }
    expect(await verifyAuditChain(h.db.db)).toMatchObject({ ok: false, brokenAtSeq: victim.seq });
  });
});

describe('audit chain under concurrency', () => {
  it('20 simultaneous product creations by different merchants leave one contiguous, verifying chain', async () => {
    // a fresh database: the test above deliberately broke this file's chain
    const h = await harness();
    onTestFinished(() => h.close());
    const merchants = await Promise.all(Array.from({ length: 4 }, () => h.loggedIn({ role: 'merchant' })));
    const { productInput } = await import('../helpers/factories.js');
    const before = await verifyAuditChain(h.db.db);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        merchants[i % 4].post('/api/merchant/products', productInput({ name: `并发商品${i}` })),
      ),
    );
    expect(results.filter((r) => r.status !== 201).map((r) => r.body)).toEqual([]);
    const after = await verifyAuditChain(h.db.db);
    // each creation writes two events: the policy version and the product
    expect(after).toMatchObject({ ok: true, count: before.count + 40 });
    const seqs = (await h.db.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()).map(
      (r) => r.seq,
    );
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
