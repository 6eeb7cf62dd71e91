/**
 * Stage 9 (issue 14) weakness 2: wrong passwords from a stranger slow the stranger, not the owner
 * (ADR 0010). Per (address, login) back-off; a cool-down for unfamiliar addresses that the owner
 * passes from a familiar one, and is told of; an audited admin unlock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_ATTEMPTS, FREE_ATTEMPTS } from '../../src/modules/accounts/throttle.js';
import { harness, PASSWORD, type Client, type Harness } from '../helpers/app.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

/** The owner logs in once from their own address, which the account then knows. */
async function ownerWithHome(): Promise<{ id: string; username: string; email: string; home: Client }> {
  const email = `owner${Math.random().toString(36).slice(2, 8)}@example.com`;
  const acc = await h.account({ role: 'buyer', email });
  const home = h.client();
  expect((await home.login(acc.username, PASSWORD)).status).toBe(200);
  await home.post('/api/auth/logout');
  return { ...acc, email, home };
}

describe('login throttling an attacker cannot impose on the owner', () => {
  it('wrong passwords from one address slow that address (doubling, Retry-After) but not the owner at home', async () => {
    const owner = await ownerWithHome();
    const attacker = h.client();
    for (let i = 0; i < FREE_ATTEMPTS; i++)
      expect((await attacker.login(owner.username, `guess-${i}`)).status).toBe(401);
    const slowed = await attacker.login(owner.username, PASSWORD);
    expect(slowed.status).toBe(429);
    expect(slowed.body).toMatchObject({ code: 'auth.login_locked' });
    expect(slowed.headers['retry-after']).toBe('2');
    expect((await owner.home.login(owner.username, PASSWORD)).status).toBe(200);
    // also by e-mail address, and from a new address of the owner's
    expect((await h.client().login(owner.email, PASSWORD)).status).toBe(200);
  });

  it(`${ACCOUNT_ATTEMPTS} failures from many addresses: a cool-down for unfamiliar addresses only; the owner passes from home and is told`, async () => {
    const owner = await ownerWithHome();
    const failures = await Promise.all(
      Array.from({ length: ACCOUNT_ATTEMPTS }, (_, i) => h.client().login(owner.username, `botnet-${i}`)),
    );
    expect(failures.every((r) => r.status === 401)).toBe(true);
    const stranger = await h.client().login(owner.username, PASSWORD);
    expect(stranger.status).toBe(429);
    expect(stranger.body).toMatchObject({ code: 'auth.login_cooldown' });
    expect(Number(stranger.headers['retry-after'])).toBe(15 * 60);
    expect((stranger.body as { messages: { en: string } }).messages.en).toMatch(/reset the password/);

    expect((await owner.home.login(owner.username, PASSWORD)).status).toBe(200);
    const inbox = await owner.home.get<{ items: { kind: string; titleZh?: string }[] }>(
      '/api/me/notifications',
    );
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.filter((n) => n.kind === 'ACCOUNT_SECURITY')).toHaveLength(1);
    const mail = await h.db.db
      .selectFrom('outbox')
      .select(['subject'])
      .where('recipient', '=', owner.email)
      .execute();
    expect(mail.map((m) => m.subject)).toContain('【Kameng】账户登录保护已开启');

    // the same answers for a login that names no account (no enumeration)
    const ghost = `ghost${Math.random().toString(36).slice(2, 8)}`;
    const ghostFailures = await Promise.all(
      Array.from({ length: ACCOUNT_ATTEMPTS }, () => h.client().login(ghost, 'anything-1')),
    );
    expect(ghostFailures.every((r) => r.status === 401)).toBe(true);
    const ghostCooling = await h.client().login(ghost, PASSWORD);
    expect(ghostCooling.status).toBe(429);
    expect(ghostCooling.body).toMatchObject({ code: 'auth.login_cooldown' });

    // the cool-down ends with time
    h.base.advance(15 * 60_000);
    expect((await h.client().login(owner.username, PASSWORD)).status).toBe(200);
  });

  it('an admin unlock lifts the cool-down and every address’s back-off, and is audited; others may not', async () => {
    const owner = await ownerWithHome();
    const attacker = h.client();
    for (let i = 0; i < FREE_ATTEMPTS; i++) await attacker.login(owner.username, `guess-${i}`);
    await Promise.all(
      Array.from({ length: ACCOUNT_ATTEMPTS }, (_, i) => h.client().login(owner.username, `botnet-${i}`)),
    );
    const traveller = h.client(); // the owner, away from home
    expect((await traveller.login(owner.username, PASSWORD)).body).toMatchObject({
      code: 'auth.login_cooldown',
    });

    const support = await h.loggedIn({ role: 'support' });
    expect((await support.post(`/api/admin/users/${owner.id}/login-unlock`)).status).toBe(403);
    const admin = await h.loggedIn({ role: 'admin' });
    const unlocked = await admin.post<{ cleared: number }>(`/api/admin/users/${owner.id}/login-unlock`);
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.cleared).toBeGreaterThan(1);
    const event = await h.db.db
      .selectFrom('audit_events')
      .select(['actor_id', 'action'])
      .where('object_id', '=', owner.id)
      .where('action', '=', 'user.login_unlocked')
      .executeTakeFirst();
    expect(event).toMatchObject({ actor_id: admin.userId });

    expect((await traveller.login(owner.username, PASSWORD)).status).toBe(200);
    expect((await attacker.login(owner.username, PASSWORD)).status).toBe(200);
    expect((await admin.post(`/api/admin/users/nobody-here/login-unlock`)).status).toBe(404);
  });
});
