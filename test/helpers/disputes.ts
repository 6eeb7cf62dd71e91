/**
 * A dispute built over HTTP, as a buyer and a merchant would: a 2-unit order, a NOT_AS_DESCRIBED
 * request with a chat log, the merchant's rejection — "activated", which the records contradict
 * (confirmed) — and the buyer's escalation; then both statements submitted.
 */
import { expect } from 'vitest';
import { PASSWORD, type Client, type Harness } from './app.js';
import { refs } from './evidence.js';
import { buy, fund, idem, stocked, type Stocked } from './orders.js';

type Request = { id: string; state: string; version: number };
type Statement = { party: string; state: string; version: number };

export async function merchantOf(h: Harness, p: Stocked): Promise<Client> {
  const u = await h.db.db
    .selectFrom('users')
    .select('username')
    .where('id', '=', p.shop.userId)
    .executeTakeFirstOrThrow();
  const c = h.client();
  expect((await c.login(u.username, PASSWORD)).status).toBe(200);
  return c;
}

export const UNACTIVATED_REFUND = {
  unactivatedRefund: true,
  windowHours: 72,
  noReasonRefund: false,
  revealedRefund: false,
  nonRefundable: false,
  nonRefundableText: null,
};

export async function disputed(
  h: Harness,
  opts: { units?: number; p?: Stocked; chatName?: string; chat?: Buffer; description?: string } = {},
) {
  const p = opts.p ?? (await stocked(h, 4, { policy: UNACTIVATED_REFUND }));
  const b = await h.loggedIn({ role: 'buyer' });
  await fund(h, b.userId, 1_000_000);
  const res = await buy(b, p, opts.units ?? 2);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const orderId = (res.body as { id: string }).id;
  const [file] = await refs(b, [
    {
      name: opts.chatName ?? 'chat.txt',
      bytes: opts.chat ?? Buffer.from('买家：卡密提示无效\n商家：不可能\n'),
    },
  ]);
  const applied = await b.req<Request>(
    'POST',
    `/api/orders/${orderId}/refunds`,
    { reason: 'NOT_AS_DESCRIBED', description: opts.description ?? '卡密提示无效', files: [file] },
    { 'idempotency-key': idem() },
  );
  expect(applied.status, JSON.stringify(applied.body)).toBe(201);
  const m = await merchantOf(h, p);
  const rej = await m.post<Request>(`/api/refunds/${applied.body.id}/decision`, {
    action: 'REJECT',
    version: applied.body.version,
    code: 'ACTIVATED',
    acknowledgeWarnings: true,
  });
  expect(rej.status, JSON.stringify(rej.body)).toBe(200);
  const esc = await b.post<Request>(`/api/refunds/${applied.body.id}/actions`, {
    action: 'ESCALATE',
    version: rej.body.version,
    note: '卡密无效，商家拒绝无理',
  });
  expect(esc.status, JSON.stringify(esc.body)).toBe(200);
  const list = await b.get<{ items: { id: string }[] }>(`/api/disputes?requestId=${applied.body.id}`);
  expect(list.body.items).toHaveLength(1);
  return { p, b, m, requestId: applied.body.id, orderId, id: list.body.items[0].id };
}

/** Both parties write and submit (the buyer with a file); the opener's draft is reused. */
export async function submitBoth(
  c: { b: Client; m: Client; id: string },
  opts: { buyerText?: string; shot?: Buffer } = {},
): Promise<void> {
  const draft = async (who: Client, party: string) =>
    (await who.get<{ statements: Statement[] }>(`/api/disputes/${c.id}`)).body.statements.find(
      (s) => s.party === party && s.state === 'DRAFT',
    )?.version ?? 0;
  const [shot] = await refs(c.b, [
    { name: 'invalid.txt', bytes: opts.shot ?? Buffer.from('充值页面提示：卡密无效 (错误码 1043)\n') },
  ]);
  const saved = await c.b.req<{ version: number }>('PUT', `/api/disputes/${c.id}/statement`, {
    text: opts.buyerText ?? '卡密从未激活，充值提示无效。',
    files: [shot],
    version: await draft(c.b, 'BUYER'),
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  expect(
    (await c.b.post(`/api/disputes/${c.id}/statement/submit`, { version: saved.body.version })).status,
  ).toBe(204);
  const ms = await c.m.req<{ version: number }>('PUT', `/api/disputes/${c.id}/statement`, {
    text: '我方卡密均为正品。',
    files: [],
    version: await draft(c.m, 'MERCHANT'),
  });
  expect(ms.status, JSON.stringify(ms.body)).toBe(200);
  expect(
    (await c.m.post(`/api/disputes/${c.id}/statement/submit`, { version: ms.body.version })).status,
  ).toBe(204);
}
