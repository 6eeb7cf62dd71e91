import { storeUpload } from '../../src/platform/uploads.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail, verifyAuditChain } from '../../src/platform/audit.js';
import {
  listMessages,
  markRead,
  postMessage,
  type ConversationView,
} from '../../src/modules/conversations/messages.js';
import {
  createMailer,
  drainOutbox,
  LoggingSmsSender,
  MAX_ATTEMPTS,
  type Mailer,
} from '../../src/modules/notifications/outbox.js';
import type { Actor } from '../../src/platform/actor.js';
import type { AppContext } from '../../src/platform/context.js';
import { constraintKind } from '../../src/platform/db/dialect.js';
import { DomainError } from '../../src/platform/errors.js';
import { Client, harness, type Harness } from '../helpers/app.js';
import { buy, fund, stocked } from '../helpers/orders.js';

let h: Harness;
let ctx: AppContext;
let api: FastifyInstance;

beforeAll(async () => {
  h = await harness();
  ctx = h.app.kameng.ctx;
  api = h.app;
});
afterAll(() => h.close());

interface Scene {
  orderId: string;
  buyer: Actor & { kind: 'user' };
  merchant: Actor;
  merchantUserId: string;
  buyerClient: Client;
}

const userActor = (
  id: string,
  role: 'buyer' | 'support' | 'arbitrator' | 'admin',
): Actor & { kind: 'user' } => ({
  kind: 'user',
  id,
  role,
  memberLevel: 'REGULAR',
  merchantId: null,
});

/** A delivered order between a fresh buyer and a fresh shop. */
async function scene(): Promise<Scene> {
  const p = await stocked(h, 2);
  const b = await h.loggedIn({ role: 'buyer' });
  await fund(h, b.userId, 100_000);
  const res = await buy(b, p, 1);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return {
    orderId: (res.body as { id: string }).id,
    buyer: userActor(b.userId, 'buyer'),
    merchant: p.shop.actor,
    merchantUserId: p.shop.userId,
    buyerClient: b,
  };
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

const count = async (table: 'conversation_messages' | 'notifications' | 'audit_events'): Promise<number> => {
  const row = await h.db.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

describe('order conversation', () => {
  it('buyer and merchant exchange messages, oldest first, each chained into the audit log', async () => {
    const s = await scene();
    const m1 = await postMessage(ctx, s.buyer, s.orderId, { body: '  卡密提示已使用，请核实  ' });
    expect(m1.body).toBe('卡密提示已使用，请核实');
    expect(m1.senderRole).toBe('buyer');
    h.base.advance(1000);
    const m2 = await postMessage(ctx, s.merchant, s.orderId, { body: 'We are checking the key now.' });
    expect(m2.senderRole).toBe('merchant');

    const view = await listMessages(ctx, s.buyer, s.orderId);
    expect(view.viewerParty).toBe('buyer');
    expect(view.participants).toEqual(['buyer', 'merchant']);
    expect(view.messages.map((m) => [m.id, m.senderRole, m.mine])).toEqual([
      [m1.id, 'buyer', true],
      [m2.id, 'merchant', false],
    ]);
    expect(view.messages[1].senderName.length).toBeGreaterThan(0);

    const trail = await auditTrail(h.db.db, 'order', s.orderId);
    expect(trail.filter((e) => e.action === 'conversation.message')).toHaveLength(2);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('refuses strangers with the order 404; an arbitrator may read but not post', async () => {
    const s = await scene();
    await postMessage(ctx, s.buyer, s.orderId, { body: 'hello' });
    const stranger = userActor((await h.account({ role: 'buyer' })).id, 'buyer');
    const otherShop = await h.account({ role: 'merchant' });
    const otherMerchant: Actor = {
      ...userActor(otherShop.id, 'buyer'),
      role: 'merchant',
      merchantId: otherShop.merchantId,
    };
    for (const actor of [stranger, otherMerchant]) {
      expect((await refusal(postMessage(ctx, actor, s.orderId, { body: 'hi' }))).code).toBe(
        'order.not_found',
      );
      expect((await refusal(listMessages(ctx, actor, s.orderId))).code).toBe('order.not_found');
    }
    expect((await refusal(postMessage(ctx, s.buyer, 'no-such-order', { body: 'hi' }))).code).toBe(
      'order.not_found',
    );

    const arbitrator = userActor((await h.account({ role: 'arbitrator' })).id, 'arbitrator');
    expect((await listMessages(ctx, arbitrator, s.orderId)).messages).toHaveLength(1);
    const ro = await refusal(postMessage(ctx, arbitrator, s.orderId, { body: 'hi' }));
    expect([ro.code, ro.status]).toEqual(['conversation.read_only', 403]);

    // Over HTTP: the stranger's 404 is the order's, as problem+json.
    const c = await h.loggedIn({ role: 'buyer' });
    const client = Object.assign(new Client(api), { cookie: c.cookie, csrf: c.csrf });
    const res = await client.get(`/api/orders/${s.orderId}/messages`);
    expect([res.status, res.body.code]).toEqual([404, 'order.not_found']);
  });

  it('the database refuses to edit or delete a message', async () => {
    const s = await scene();
    const m = await postMessage(ctx, s.buyer, s.orderId, { body: 'original words' });
    const edit = await h.db.db
      .updateTable('conversation_messages')
      .set({ body: 'rewritten' })
      .where('id', '=', m.id)
      .execute()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(constraintKind(edit)).toBe('append_only');
    const del = await sql`delete from conversation_messages where id = ${m.id}`.execute(h.db.db).then(
      () => null,
      (e: unknown) => e,
    );
    expect(constraintKind(del)).toBe('append_only');
    const row = await h.db.db
      .selectFrom('conversation_messages')
      .select('body')
      .where('id', '=', m.id)
      .executeTakeFirstOrThrow();
    expect(row.body).toBe('original words');
  });

  it('keeps read receipts per party, and a read mark never moves back', async () => {
    const s = await scene();
    const m1 = await postMessage(ctx, s.buyer, s.orderId, { body: 'first' });
    h.base.advance(1000);
    const m2 = await postMessage(ctx, s.buyer, s.orderId, { body: 'second' });

    const receipts = (v: ConversationView) =>
      v.messages.map((m) => m.readBy.map((r) => `${r.party}:${r.read}`));
    expect(receipts(await listMessages(ctx, s.buyer, s.orderId))).toEqual([
      ['merchant:false'],
      ['merchant:false'],
    ]);
    expect((await listMessages(ctx, s.merchant, s.orderId)).unreadCount).toBe(2);

    const mark = await markRead(ctx, s.merchant, s.orderId, m1.id);
    expect(mark.lastReadId).toBe(m1.id);
    let v = await listMessages(ctx, s.buyer, s.orderId);
    expect(receipts(v)).toEqual([['merchant:true'], ['merchant:false']]);
    expect(v.reads.find((r) => r.party === 'merchant')?.lastReadId).toBe(m1.id);
    expect((await listMessages(ctx, s.merchant, s.orderId)).unreadCount).toBe(1);

    // Replying means having read everything before; an older mark afterwards changes nothing.
    h.base.advance(1000);
    const m3 = await postMessage(ctx, s.merchant, s.orderId, { body: 'reply' });
    expect((await markRead(ctx, s.merchant, s.orderId, m1.id)).lastReadId).toBe(m3.id);
    v = await listMessages(ctx, s.buyer, s.orderId);
    expect(receipts(v)).toEqual([['merchant:true'], ['merchant:true'], ['buyer:false']]);
    expect(v.reads.find((r) => r.party === 'buyer')?.lastReadId).toBe(m2.id);
    expect(v.unreadCount).toBe(1); // the buyer's mark is m2, and m3 came after

    // Support joins: it becomes a party, and the receipts name it.
    const support = userActor((await h.account({ role: 'support' })).id, 'support');
    await postMessage(ctx, support, s.orderId, { body: '平台客服已介入' });
    v = await listMessages(ctx, s.buyer, s.orderId);
    expect(v.participants).toEqual(['buyer', 'merchant', 'support']);
    expect(v.messages[0].readBy).toEqual([
      { party: 'merchant', read: true },
      { party: 'support', read: true },
    ]);

    const other = await scene();
    const foreign = await postMessage(ctx, other.buyer, other.orderId, { body: 'elsewhere' });
    expect((await refusal(markRead(ctx, s.merchant, s.orderId, foreign.id))).code).toBe(
      'conversation.message_not_found',
    );

    // The same over HTTP.
    const b = Object.assign(new Client(api), { cookie: s.buyerClient.cookie, csrf: s.buyerClient.csrf });
    const list = await b.get<ConversationView>(`/api/orders/${s.orderId}/messages`);
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.messages).toHaveLength(4);
    const last = list.body.messages[3].id;
    const read = await b.post(`/api/orders/${s.orderId}/messages/read`, { lastReadId: last });
    expect([read.status, read.body.lastReadId]).toEqual([200, last]);
    const after = await b.get<ConversationView>(`/api/orders/${s.orderId}/messages`);
    expect(after.body.unreadCount).toBe(0);
  });

  it('re-checks an attachment by content: a renamed executable is refused and nothing is stored', async () => {
    const s = await scene();
    const exe = Buffer.alloc(128);
    exe.write('MZ', 'latin1');
    const sha = await storeUpload(h.db.db, ctx.files, s.buyer.id, exe, new Date());
    const before = await Promise.all([
      count('conversation_messages'),
      count('notifications'),
      count('audit_events'),
    ]);
    const err = await refusal(
      postMessage(ctx, s.buyer, s.orderId, {
        body: 'screenshot attached',
        file: { sha256: sha, name: 'screenshot.png' },
      }),
    );
    expect([err.code, err.field, err.status]).toEqual(['evidence.type_not_allowed', 'file', 415]);
    const missing = await refusal(
      postMessage(ctx, s.buyer, s.orderId, { body: 'x', file: { sha256: 'a'.repeat(64), name: 'chat.txt' } }),
    );
    expect(missing.code).toBe('conversation.file_not_found');
    expect(
      await Promise.all([count('conversation_messages'), count('notifications'), count('audit_events')]),
    ).toEqual(before);

    const log = await storeUpload(
      h.db.db,
      ctx.files,
      s.buyer.id,
      Buffer.from('[10:01] 商家：卡密已发\n[10:02] 我：提示已使用\n'),
      new Date(),
    );
    // Someone else's upload cannot be attached, even with its hash.
    const theirs = await refusal(
      postMessage(ctx, s.merchant, s.orderId, { body: '转发', file: { sha256: log, name: 'chat.txt' } }),
    );
    expect(theirs.code).toBe('evidence.not_uploaded');
    const m = await postMessage(ctx, s.buyer, s.orderId, {
      body: '聊天记录',
      file: { sha256: log, name: 'chat.txt' },
    });
    expect(m.file).toMatchObject({ sha256: log, mime: 'text/plain', name: 'chat.txt' });
    const row = await h.db.db
      .selectFrom('conversation_messages')
      .selectAll()
      .where('id', '=', m.id)
      .executeTakeFirstOrThrow();
    expect([row.sha256, row.mime, row.file_name, JSON.parse(row.signals ?? 'null')]).toEqual([
      log,
      'text/plain',
      'chat.txt',
      [],
    ]);
    const b = Object.assign(new Client(api), { cookie: s.buyerClient.cookie, csrf: s.buyerClient.csrf });
    const dl = await b.get<string>(`/api/orders/${s.orderId}/messages/files/${log}`);
    expect([dl.status, dl.headers['x-content-type-options']]).toEqual([200, 'nosniff']);
    expect(dl.body).toContain('提示已使用');
  });

  it('notifies the other parties, never the sender, without the message text', async () => {
    const s = await scene();
    const notes = (userId: string) =>
      h.db.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    await postMessage(ctx, s.buyer, s.orderId, { body: 'secret-looking text 1234' });
    const toMerchant = await notes(s.merchantUserId);
    expect(toMerchant).toHaveLength(1);
    expect(toMerchant[0]).toMatchObject({ kind: 'MESSAGE', link: `/orders/${s.orderId}#conversation` });
    expect(toMerchant[0].body_zh + toMerchant[0].body_en).not.toContain('secret-looking');
    expect(await notes(s.buyer.id)).toHaveLength(0);

    const support = userActor((await h.account({ role: 'support' })).id, 'support');
    await postMessage(ctx, support, s.orderId, { body: 'support here' });
    expect(await notes(s.buyer.id)).toHaveLength(1);
    expect(await notes(s.merchantUserId)).toHaveLength(2);
    await postMessage(ctx, s.merchant, s.orderId, { body: 'ok' });
    expect(await notes(support.id)).toHaveLength(1); // support took part, so it hears back
    expect(await notes(s.buyer.id)).toHaveLength(2);

    // The notification centre over HTTP: own notifications only, unread count, mark read.
    const b = Object.assign(new Client(api), { cookie: s.buyerClient.cookie, csrf: s.buyerClient.csrf });
    const page = await b.get<{ items: { id: string; link: string }[]; unreadCount: number }>(
      '/api/me/notifications',
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect([page.body.items.length, page.body.unreadCount]).toEqual([2, 2]);
    expect(page.body.items[0].link).toBe(`/orders/${s.orderId}#conversation`);
    const one = await b.post('/api/me/notifications/read', {
      ids: [page.body.items[0].id, toMerchant[0].id],
    });
    expect([one.status, one.body.updated, one.body.unreadCount]).toEqual([200, 1, 1]);
    const all = await b.post('/api/me/notifications/read', { all: true });
    expect([all.body.updated, all.body.unreadCount]).toEqual([1, 0]);
    expect((await notes(s.merchantUserId)).every((n) => n.read_at === null)).toBe(true);
    const bad = await b.post('/api/me/notifications/read', { all: false });
    expect(bad.status).toBe(400);
  });
});

describe('outbox', () => {
  it('writes each e-mail as an .eml file when no SMTP server is configured, logs SMS, and marks rows SENT', async () => {
    const s = await scene();
    await h.db.db
      .updateTable('users')
      .set({ email: 'buyer@example.com', phone: '13800138000' })
      .where('id', '=', s.buyer.id)
      .execute();
    await postMessage(ctx, s.merchant, s.orderId, { body: 'your key is fine' });
    const rows = await h.db.db
      .selectFrom('outbox')
      .selectAll()
      .where('recipient', 'in', ['buyer@example.com', '13800138000'])
      .execute();
    expect(rows.map((r) => r.channel).sort()).toEqual(['EMAIL', 'SMS']);

    const lines: Record<string, unknown>[] = [];
    const sms = new LoggingSmsSender({ info: (obj) => void lines.push(obj) });
    expect(h.config.smtpUrl).toBeUndefined();
    const mailer = createMailer(h.config, { sms });
    expect(mailer.mode).toBe('file');
    const report = await drainOutbox(ctx, mailer);
    mailer.close();
    expect(report.sent).toBeGreaterThanOrEqual(2);

    const after = await h.db.db
      .selectFrom('outbox')
      .selectAll()
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    expect(after.every((r) => r.state === 'SENT' && r.sent_at !== null && r.attempts === 1)).toBe(true);
    const email = rows.find((r) => r.channel === 'EMAIL')!;
    const dir = path.join(h.config.dataDir, 'outbox');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const eml = readFileSync(path.join(dir, `${email.id}.eml`), 'utf8');
    expect(eml).toContain('To: buyer@example.com');
    expect(eml).toContain(`Message-ID: <${email.id}@kameng.local>`);
    expect(eml).toMatch(/^Subject: /m);
    expect(sms.sent.map((m) => m.to)).toEqual(['13800138000']);
    expect(lines[0]).toMatchObject({ to: '*******8000' });

    // Nothing is sent twice.
    expect(await drainOutbox(ctx, createMailer(h.config, { sms }))).toEqual({
      sent: 0,
      retrying: 0,
      failed: 0,
    });
  });

  it('retries a failing send with pauses and gives up after five attempts', async () => {
    const s = await scene();
    await h.db.db
      .updateTable('users')
      .set({ email: 'down@example.com' })
      .where('id', '=', s.buyer.id)
      .execute();
    await postMessage(ctx, s.merchant, s.orderId, { body: 'ping' });
    const row = await h.db.db
      .selectFrom('outbox')
      .selectAll()
      .where('recipient', '=', 'down@example.com')
      .executeTakeFirstOrThrow();
    const broken: Mailer = {
      mode: 'smtp',
      email: { send: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:25')) },
      sms: { send: () => Promise.resolve() },
      close: () => undefined,
    };
    const state = () =>
      h.db.db.selectFrom('outbox').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    await drainOutbox(ctx, broken);
    expect(await state()).toMatchObject({
      state: 'PENDING',
      attempts: 1,
      last_error: 'connect ECONNREFUSED 127.0.0.1:25',
    });
    await drainOutbox(ctx, broken); // too soon: not tried again
    expect((await state()).attempts).toBe(1);
    for (let i = 2; i <= MAX_ATTEMPTS; i++) {
      h.base.advance(3 * 3600_000);
      await drainOutbox(ctx, broken);
      expect((await state()).attempts).toBe(i);
    }
    expect((await state()).state).toBe('FAILED');
  });
});
