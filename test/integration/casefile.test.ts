/**
 * The case file (电商法 §31/§62) over HTTP on a real database (SQLite, and PostgreSQL when
 * configured): a dispute built as disputes.test.ts builds one, downloaded as a ZIP by the buyer,
 * the merchant and the arbitrator — the manifest's hashes match the files, the evidence files are
 * the uploads byte for byte, the manifest's audit events are the chain's own, the summary carries
 * the dispute number, the rationale once decided and user text escaped; each viewer sees only what
 * its pages show; strangers get 404; and no key secret, ciphertext, password hash or session is
 * anywhere in the ZIP, compressed or not.
 */
import { createHash } from 'node:crypto';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, PASSWORD, type Client, type Harness } from '../helpers/app.js';
import { disputed, submitBoth } from '../helpers/disputes.js';
import { refs } from '../helpers/evidence.js';
import { buy, fund, idem, stocked } from '../helpers/orders.js';

let h: Harness;
let arbitrator: Client & { userId: string };
beforeAll(async () => {
  h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
  arbitrator = await h.loggedIn({ role: 'arbitrator' });
});
afterAll(() => h.close());

type Request = { id: string; requestNo: string; state: string; version: number; unitIds: string[] };
type Dispute = {
  id: string;
  disputeNo: string;
  state: string;
  version: number;
  statements: { party: string; state: string; version: number }[];
};
type Manifest = {
  kind: string;
  requestNo: string;
  disputeNo: string | null;
  generatedAt: string;
  generatedBy: { userId: string; username: string; role: string };
  files: { path: string; sha256: string; size: number }[];
  missingEvidence: unknown[];
  audit: { seq: number; id: string; action: string; objectType: string; hash: string; prevHash: string }[];
};

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ---- the dispute, as disputes.test.ts builds it ----------------------------------------------------

const CHAT = Buffer.from('买家：卡密提示无效\n商家：不可能\n');
const SHOT = Buffer.from('充值页面提示：卡密无效 (错误码 1043)\n');

const view = async (c: Client, id: string) => (await c.get<Dispute>(`/api/disputes/${id}`)).body;

const SCRIPT = '<script>alert("case-file")</script>';

// ---- downloading and reading the ZIP ---------------------------------------------------------------

async function download(c: Client, url: string) {
  const res = await h.app.inject({
    method: 'GET',
    url,
    headers: { cookie: c.cookie ?? '', 'accept-language': c.lang },
    remoteAddress: c.ip,
  });
  return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
}

interface CaseZip {
  raw: Buffer;
  entries: Map<string, Buffer>;
  text(path: string): string;
  json<T = unknown>(path: string): T;
  manifest: Manifest;
  summary: string;
}

async function caseFile(c: Client, url: string): Promise<CaseZip> {
  const res = await download(c, url);
  expect(res.status, res.body.toString('utf8').slice(0, 300)).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  const zip = await JSZip.loadAsync(res.body, { checkCRC32: true });
  const entries = new Map<string, Buffer>();
  for (const f of Object.values(zip.files)) if (!f.dir) entries.set(f.name, await f.async('nodebuffer'));
  const text = (p: string) => {
    const b = entries.get(p);
    if (!b) throw new Error(`${p} is not in the case file: ${[...entries.keys()].join(', ')}`);
    return b.toString('utf8');
  };
  const json = <T>(p: string) => JSON.parse(text(p)) as T;
  const z: CaseZip = {
    raw: res.body,
    entries,
    text,
    json,
    manifest: json<Manifest>('manifest.json'),
    summary: text('summary.html'),
  };
  return z;
}

/** Every file is in the manifest with its SHA-256 and size, and the manifest lists nothing else. */
function checkManifest(z: CaseZip) {
  const listed = new Map(z.manifest.files.map((f) => [f.path, f]));
  expect(new Set([...z.entries.keys()])).toEqual(new Set([...listed.keys(), 'manifest.json']));
  for (const [path, bytes] of z.entries) {
    if (path === 'manifest.json') continue;
    expect(listed.get(path), path).toEqual({ path, sha256: sha(bytes), size: bytes.length });
  }
  expect(z.manifest.missingEvidence).toEqual([]);
  for (const p of ['summary.html', 'records/request.json', 'records/request.csv', 'records/timeline.csv'])
    expect(z.entries.has(p), p).toBe(true);
}

/** The manifest's audit events are the chain's rows: same hashes, linked in seq order. */
async function checkAudit(z: CaseZip) {
  expect(z.manifest.audit.length).toBeGreaterThan(0);
  const rows = await h.db.db
    .selectFrom('audit_events')
    .select(['id', 'seq', 'hash', 'prev_hash', 'action'])
    .where(
      'id',
      'in',
      z.manifest.audit.map((e) => e.id),
    )
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const e of z.manifest.audit) {
    const row = byId.get(e.id)!;
    expect(row, e.id).toBeDefined();
    expect([Number(row.seq), row.hash, row.prev_hash, row.action]).toEqual([
      e.seq,
      e.hash,
      e.prevHash,
      e.action,
    ]);
  }
  const seqs = z.manifest.audit.map((e) => e.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
}

/** None of these strings anywhere: in the ZIP's bytes or in any entry once inflated. */
function expectAbsent(z: CaseZip, secrets: string[]) {
  const haystacks: [string, Buffer][] = [['(raw zip)', z.raw], ...z.entries];
  for (const s of secrets) {
    expect(s.length).toBeGreaterThan(5);
    for (const [name, b] of haystacks)
      expect(b.includes(Buffer.from(s, 'utf8')), `${s} in ${name}`).toBe(false);
  }
}

// ---- the tests -------------------------------------------------------------------------------------

describe('a request’s and a dispute’s case file', () => {
  it('buyer, merchant and arbitrator download it; hashes, evidence, audit trail, escaping and no secrets', async () => {
    const c = await disputed(h, {
      chatName: '聊天 记录/../chat.txt',
      chat: CHAT,
      description: '卡密提示无效 <b>加粗</b>',
    });
    const req = (await c.b.get<Request>(`/api/refunds/${c.requestId}`)).body;
    // the buyer reveals one key: its secret is now on record for the buyer, and must never be in a case file
    const revealed = await c.b.post<{ secret: string; serial: string | null }>(
      `/api/units/${req.unitIds[0]}/reveal`,
    );
    expect(revealed.status, JSON.stringify(revealed.body)).toBe(200);
    // a chat message with markup and an attachment
    const [att] = await refs(c.b, [{ name: 'shot<1>.txt', bytes: Buffer.from('附件内容 attachment\n') }]);
    const msg = await c.b.post(`/api/orders/${c.orderId}/messages`, {
      body: '<img src=x onerror=alert(1)> 请商家核实',
      file: att,
    });
    expect(msg.status, JSON.stringify(msg.body)).toBe(201);
    // the merchant's case file must not show the buyer's draft statement
    const draft = await view(c.b, c.id);
    const bs = draft.statements.find((s) => s.party === 'BUYER')!;
    const saved = await c.b.req<{ version: number }>('PUT', `/api/disputes/${c.id}/statement`, {
      text: '草稿：尚未提交的私人陈述 DRAFT-ONLY',
      files: [],
      version: bs.version,
    });
    expect(saved.status).toBe(200);
    const mDraft = await caseFile(c.m, `/api/disputes/${c.id}/case-file`);
    expect(mDraft.text('records/statements.json')).not.toContain('DRAFT-ONLY');
    expect(mDraft.summary).not.toContain('DRAFT-ONLY');
    const bDraft = await caseFile(c.b, `/api/disputes/${c.id}/case-file`);
    expect(bDraft.summary).toContain('DRAFT-ONLY'); // a party reads its own draft

    // the secrets of the order's keys, and credentials that must never travel with records
    const keys = await h.db.db
      .selectFrom('keys')
      .select(['ciphertext', 'secret_hmac', 'lookup_hmac'])
      .where('unit_id', 'in', req.unitIds)
      .execute();
    expect(keys).toHaveLength(2);
    await submitBoth(c, { buyerText: `卡密从未激活，充值提示无效。${SCRIPT}`, shot: SHOT });
    const staff = await view(arbitrator, c.id);
    expect(staff.state).toBe('ARBITRATION');
    const rationale = '记录显示卡密未激活，商家以“已激活”为由拒绝与记录矛盾，支持买家。<i>RATIONALE</i>';
    const done = await arbitrator.post<Dispute>(`/api/disputes/${c.id}/decision`, {
      version: staff.version,
      outcome: 'BUYER',
      rationale,
      confirmFinal: true,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    const users = await h.db.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', c.b.userId)
      .executeTakeFirstOrThrow();
    const secrets = [
      revealed.body.secret,
      ...(revealed.body.serial ? [revealed.body.serial] : []),
      ...keys.flatMap((k) => [
        Buffer.from(k.ciphertext).toString('base64'),
        Buffer.from(k.ciphertext).toString('hex'),
        Buffer.from(k.secret_hmac).toString('hex'),
        Buffer.from(k.lookup_hmac).toString('hex'),
      ]),
      users.password_hash,
      c.b.cookie!.split('=')[1],
      c.b.csrf!,
      PASSWORD,
    ];
    // every key the product ever had, by the import's own format
    expect(revealed.body.secret).toMatch(/^pw-/);

    const disputeNo = done.body.disputeNo;
    const viewers: [Client, string][] = [
      [c.b, c.b.userId],
      [c.m, c.p.shop.userId],
      [arbitrator, arbitrator.userId],
    ];
    for (const [who, userId] of viewers) {
      const res = await download(who, `/api/disputes/${c.id}/case-file`);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${disputeNo}-case-file.zip"`);
      const z = await caseFile(who, `/api/disputes/${c.id}/case-file`);
      checkManifest(z);
      await checkAudit(z);
      expectAbsent(z, secrets);
      expect(z.manifest).toMatchObject({ kind: 'dispute', disputeNo, requestNo: req.requestNo });
      expect(z.manifest.generatedBy.userId).toBe(userId);
      expect(new Date(z.manifest.generatedAt).getTime()).toBe(h.ctx.clock.now().getTime());
      // the audit events tie the files to the request, the dispute and both statements
      const actions = z.manifest.audit.map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['dispute.opened']));
      expect(new Set(z.manifest.audit.map((e) => e.objectType))).toEqual(
        new Set(['refund_request', 'dispute', 'dispute_statement']),
      );
      // evidence files: the uploads, byte for byte, named safely
      const evidence = [...z.entries.keys()].filter((p) => p.startsWith('evidence/'));
      for (const [bytes, name] of [
        [CHAT, 'chat.txt'],
        [SHOT, 'invalid.txt'],
      ] as const) {
        const path = evidence.find((p) => p.startsWith(`evidence/${sha(bytes)}-`));
        expect(path, `${name} in ${evidence.join(', ')}`).toBeDefined();
        expect(path!.endsWith(name)).toBe(true);
        expect(path!.slice('evidence/'.length)).not.toMatch(/[/\\<>]|\.\./);
        expect(z.entries.get(path!)!.equals(bytes)).toBe(true);
      }
      expect(evidence.some((p) => p.endsWith('shot_1_.txt'))).toBe(true); // the chat attachment
      // the summary: dispute number, rationale, user text escaped
      expect(z.summary).toContain(disputeNo);
      expect(z.summary).toContain(req.requestNo);
      expect(z.summary).toContain('记录显示卡密未激活');
      expect(z.summary).toContain('&lt;i&gt;RATIONALE&lt;/i&gt;');
      expect(z.summary).toContain('&lt;script&gt;alert(&quot;case-file&quot;)&lt;/script&gt;');
      expect(z.summary).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(z.summary).toContain('&lt;b&gt;加粗&lt;/b&gt;');
      expect(z.summary).not.toMatch(/<script|<img|<i>|<b>/i);
      expect(z.summary).toContain('¥');
      expect(z.summary).toMatch(/20\d\d-\d\d-\d\d \d\d:\d\d:\d\d/);
      // bilingual by default, Chinese first
      expect(z.summary.indexOf('售后案件档案')).toBeLessThan(z.summary.indexOf('After-sales case file'));
      // the records
      expect(z.json<{ rationale: string; state: string }>('records/dispute.json')).toMatchObject({
        state: 'DECIDED',
        rationale,
      });
      expect(z.json<unknown[]>('records/findings.json').length).toBeGreaterThan(0);
      expect(z.json<{ text: string }[]>('records/statements.json').map((s) => s.text)).toHaveLength(2);
      const csv = z.text('records/statements.csv');
      expect(csv.charCodeAt(0)).toBe(0xfeff);
      expect(z.text('records/key-timelines.csv')).toContain('REVEAL');
      expect(z.json<{ orderNo: string }>('records/order-snapshot.json').orderNo).toBeTruthy();
      expect(z.json<{ textZh: string }>('records/policy.json').textZh).toBeTruthy();
    }

    // the merchant does not see where money went; the buyer does (as on the pages)
    const mz = await caseFile(c.m, `/api/refunds/${c.requestId}/case-file`);
    const bz = await caseFile(c.b, `/api/refunds/${c.requestId}/case-file`);
    const mPayouts = mz.json<{ destination: string | null }[]>('records/payouts.json');
    const bPayouts = bz.json<{ destination: string | null }[]>('records/payouts.json');
    expect(mPayouts.length).toBeGreaterThan(0);
    expect(mPayouts.every((p) => p.destination === null)).toBe(true);
    expect(bPayouts).toHaveLength(mPayouts.length);
    // the request's case file carries its dispute too, named by the request number
    const rq = await download(c.b, `/api/refunds/${c.requestId}/case-file`);
    expect(rq.headers['content-disposition']).toBe(`attachment; filename="${req.requestNo}-case-file.zip"`);
    expect(bz.manifest.kind).toBe('dispute');
    expect(bz.summary).toContain(disputeNo);
    expectAbsent(bz, secrets);
    expectAbsent(mz, secrets);

    // one language on request
    const en = await caseFile(c.b, `/api/disputes/${c.id}/case-file?lang=en`);
    expect(en.summary).toContain('After-sales case file');
    expect(en.summary).not.toContain('售后案件档案');
    expect(en.summary).toContain('<html lang="en">');
    const zh = await caseFile(c.b, `/api/disputes/${c.id}/case-file?lang=zh-CN`);
    expect(zh.summary).toContain('售后案件档案');
    expect(zh.summary).not.toContain('After-sales case file');
    expect((await download(c.b, `/api/disputes/${c.id}/case-file?lang=fr`)).status).toBe(400);

    // strangers: another buyer, another shop; and nobody logged in
    const stranger = await h.loggedIn({ role: 'buyer' });
    const otherShop = await h.loggedIn({ role: 'merchant' });
    for (const who of [stranger, otherShop]) {
      expect((await download(who, `/api/disputes/${c.id}/case-file`)).status).toBe(404);
      expect((await download(who, `/api/refunds/${c.requestId}/case-file`)).status).toBe(404);
    }
    expect((await download(h.client(), `/api/disputes/${c.id}/case-file`)).status).toBe(401);
    expect((await download(c.b, `/api/disputes/nope/case-file`)).status).toBe(404);
  });

  it('a request without a dispute has its own case file; CSV text is made inert', async () => {
    const p = await stocked(h, 2, { name: '=HYPERLINK("http://x","点卡")' });
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    const res = await buy(b, p, 1);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const orderId = (res.body as { id: string }).id;
    const applied = await b.req<Request>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason: 'MISTAKEN_PURCHASE', description: '+cmd|calc 拍错了', files: [] },
      { 'idempotency-key': idem() },
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const z = await caseFile(b, `/api/refunds/${applied.body.id}/case-file`);
    checkManifest(z);
    await checkAudit(z);
    expect(z.manifest).toMatchObject({ kind: 'refund_request', disputeNo: null });
    expect(z.entries.has('records/dispute.json')).toBe(false);
    expect(z.summary).toContain(applied.body.requestNo);
    expect(z.summary).not.toContain('id="dispute"');
    const csv = z.text('records/request.csv');
    expect(csv).toContain(`'+cmd|calc 拍错了`);
    expect(z.text('records/order-snapshot.csv')).toContain(`"'=HYPERLINK(""http://x"",""点卡"")"`);
    expect((await download(arbitrator, `/api/refunds/${applied.body.id}/case-file`)).status).toBe(200);
    expect((await download(arbitrator, `/api/disputes/${applied.body.id}/case-file`)).status).toBe(404);
  });
});
