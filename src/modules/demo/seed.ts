/**
 * Demo data, seeded once (a `demo_seeded` setting records it): an admin, support and arbitrator
 * staff, two merchants, a buyer at each member level, and products of every type with different
 * refund policies. Passwords are printed at start; they are for local demos only.
 */
import { systemActor, type Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import type { MemberLevel, Role } from '../../platform/db/schema.js';
import { now, toJson, type Db } from '../../platform/db/dialect.js';
import { hashPassword } from '../accounts/index.js';
import { appendAudit } from '../../platform/audit.js';
import { Readable } from 'node:stream';
import { runImport, startBatch, type InventoryContext } from '../inventory/index.js';
import { createAccount } from '../catalog/index.js';
import { changeStatus, createProduct, type ProductInput } from '../catalog/index.js';
import type { PolicyTerms } from '../catalog/index.js';
import { ensureAccount, postTransaction } from '../payments/index.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export const DEMO_PASSWORD = 'kameng-demo-2026';

export interface DemoLogin {
  username: string;
  role: Role;
  memberLevel: MemberLevel;
  note: string;
}

export const DEMO_LOGINS: DemoLogin[] = [
  { username: 'admin', role: 'admin', memberLevel: 'REGULAR', note: '平台管理员 / platform admin' },
  { username: 'support', role: 'support', memberLevel: 'REGULAR', note: '平台客服 / support' },
  { username: 'arbitrator', role: 'arbitrator', memberLevel: 'REGULAR', note: '仲裁员 / arbitrator' },
  { username: 'xingchen', role: 'merchant', memberLevel: 'REGULAR', note: '商家：星辰游戏卡铺 (24小时处理)' },
  { username: 'jisu', role: 'merchant', memberLevel: 'REGULAR', note: '商家：极速软件授权' },
  { username: 'buyer', role: 'buyer', memberLevel: 'REGULAR', note: '普通会员 / regular buyer' },
  { username: 'vipbuyer', role: 'buyer', memberLevel: 'VIP', note: 'VIP 会员' },
  { username: 'chaohui', role: 'buyer', memberLevel: 'SUPER', note: '超级会员（超会）' },
];

const refundable = (windowHours: number, extra: Partial<PolicyTerms> = {}): PolicyTerms => ({
  unactivatedRefund: true,
  windowHours,
  noReasonRefund: false,
  revealedRefund: false,
  nonRefundable: false,
  nonRefundableText: null,
  ...extra,
});

const noRefund = (text: string): PolicyTerms => ({
  unactivatedRefund: false,
  windowHours: null,
  noReasonRefund: false,
  revealedRefund: false,
  nonRefundable: true,
  nonRefundableText: text,
});

const yuan = (y: number): number => Math.round(y * 100);

const MERCHANT_NAMES: Record<string, string> = { xingchen: '星辰游戏卡铺', jisu: '极速软件授权' };

const PRODUCTS: { merchant: 'xingchen' | 'jisu'; input: ProductInput }[] = [
  {
    merchant: 'xingchen',
    input: {
      type: 'CARD_KEY',
      name: '腾讯Q币 100元 点卡',
      description: '官方直充卡密，自动发货。卡号与密码在订单中查看。',
      faceValueFen: yuan(100),
      validityDays: 365,
      prices: { REGULAR: yuan(98.5), VIP: yuan(97.8), SUPER: yuan(96.9) },
      policy: refundable(72, { revealedRefund: true, noReasonRefund: true }),
    },
  },
  {
    merchant: 'xingchen',
    input: {
      type: 'CARD_KEY',
      name: '网易一卡通 50元',
      description: '网易游戏通用点卡，适用于梦幻西游、大话西游等。',
      faceValueFen: yuan(50),
      validityDays: 180,
      prices: { REGULAR: yuan(49.2), VIP: yuan(48.8), SUPER: yuan(48.3) },
      policy: refundable(24),
    },
  },
  {
    merchant: 'xingchen',
    input: {
      type: 'ENTITLEMENT',
      name: '视频会员 月卡（30天）',
      description: '会员权益自激活起计算 30 天，激活后按已使用处理。',
      faceValueFen: yuan(30),
      validityDays: 30,
      prices: { REGULAR: yuan(22), VIP: yuan(20.5), SUPER: yuan(19) },
      policy: refundable(48),
    },
  },
  {
    merchant: 'jisu',
    input: {
      type: 'LICENSE_KEY',
      name: 'Office 专业版 永久授权序列号',
      description: '正版序列号，一机一码，激活后不可转移。',
      faceValueFen: yuan(398),
      validityDays: null,
      prices: { REGULAR: yuan(168), VIP: yuan(158), SUPER: yuan(148) },
      policy: refundable(48, { noReasonRefund: true }),
    },
  },
  {
    merchant: 'jisu',
    input: {
      type: 'ACCOUNT',
      name: '游戏成品账号（随机区服）',
      description: '账号与密码一次性交付，请第一时间修改密码。',
      faceValueFen: yuan(60),
      validityDays: null,
      prices: { REGULAR: yuan(45), VIP: yuan(42), SUPER: yuan(39) },
      policy: noRefund('账号交付即可登录使用，一经售出不退不换（质量问题除外）。'),
    },
  },
];

/** Starting balances (余额) so demo buyers can check out at once; top-ups go through the sandbox. */
const DEMO_BALANCES: Record<string, number> = { buyer: yuan(200), vipbuyer: yuan(500), chaohui: yuan(1000) };

async function creditDemoWallet(trx: Db, actor: Actor, at: Date, userId: string, fen: number): Promise<void> {
  const wallet = await ensureAccount(trx, 'WALLET', userId, at);
  const source = await ensureAccount(trx, 'GATEWAY_CLEARING', 'demo', at);
  await postTransaction(trx, actor, at, {
    idempotencyKey: `demo-credit:${userId}`,
    kind: 'DEMO_CREDIT',
    reference: { type: 'user', id: userId },
    postings: [
      { accountId: source.id, amountFen: -fen },
      { accountId: wallet.id, amountFen: fen },
    ],
  });
}

/**
 * Seeds the demo once, all in one transaction: the `demo_seeded` flag is claimed first, so a
 * crash leaves nothing behind and two instances starting together seed it once.
 * Returns false when it was already there.
 */
export async function seedDemo(ctx: DataContext): Promise<boolean> {
  const actor = systemActor('seed-demo');
  const at = ctx.clock.now();
  // One hash for the shared demo password, computed before the transaction holds the database.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return unitOfWork(ctx, async (trx) => {
    const claimed = await trx
      .insertInto('settings')
      .values({ key: 'demo_seeded', value: toJson(true), updated_at: now(at) })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
    const tx = { ...ctx, db: trx };
    const merchantActors = new Map<string, Actor>();
    for (const login of DEMO_LOGINS) {
      const { user, merchantId } = await createAccount(tx, actor, {
        username: login.username,
        email: `${login.username}@demo.kameng.local`,
        password: DEMO_PASSWORD,
        passwordHash,
        displayName:
          login.note
            .split(/[:：/]/)
            .pop()
            ?.trim() || login.username,
        role: login.role,
        memberLevel: login.memberLevel,
        merchantName: MERCHANT_NAMES[login.username],
        review24h: login.username === 'xingchen',
        depositFen: login.role === 'merchant' ? yuan(5000) : 0,
      });
      if (merchantId) {
        merchantActors.set(login.username, {
          kind: 'user',
          id: user.id,
          role: 'merchant',
          memberLevel: 'REGULAR',
          merchantId,
        });
      }
    }
    for (const [username, fen] of Object.entries(DEMO_BALANCES)) {
      const u = await trx
        .selectFrom('users')
        .select('id')
        .where('username', '=', username)
        .executeTakeFirstOrThrow();
      await creditDemoWallet(trx, actor, at, u.id, fen);
    }
    for (const p of PRODUCTS) {
      const merchant = merchantActors.get(p.merchant)!;
      const id = await createProduct(tx, merchant, p.input);
      await changeStatus(tx, merchant, id, { version: 1, status: 'ON_SALE' });
    }
    await appendAudit(trx, {
      actor,
      action: 'demo.seeded',
      objectType: 'settings',
      objectId: 'demo_seeded',
      at,
    });
    return true;
  });
}

/** Demo card keys: 30 per product. */
export async function seedDemoKeys(ctx: InventoryContext): Promise<boolean> {
  const at = ctx.clock.now();
  const claimed = await ctx.db
    .insertInto('settings')
    .values({ key: 'demo_keys_seeded', value: toJson(true), updated_at: now(at) })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
  const products = await ctx.db
    .selectFrom('products')
    .innerJoin('merchants', 'merchants.id', 'products.merchant_id')
    .innerJoin('refund_policies', 'refund_policies.id', 'products.current_policy_id')
    .select([
      'products.id',
      'products.type',
      'products.name',
      'products.current_policy_id',
      'products.merchant_id',
      'products.face_value_fen',
      'products.validity_days',
      'refund_policies.version as policy_version',
      'merchants.owner_user_id',
    ])
    .orderBy('products.created_at')
    .execute();
  for (const [i, p] of products.entries()) {
    const actor: Actor = {
      kind: 'user',
      id: p.owner_user_id,
      role: 'merchant',
      memberLevel: 'REGULAR',
      merchantId: p.merchant_id,
    };
    const lines = Array.from({ length: 30 }, (_, n) => {
      const code = `${i}${String(n).padStart(3, '0')}`;
      return p.type === 'LICENSE_KEY'
        ? `DEMO${i}-${code}-KMNG-${(n * 7919).toString(36).toUpperCase()}`
        : `${9000_0000_0000 + i * 1000 + n} demo${code}pw`;
    });
    const batch = await startBatch(ctx, actor, {
      productId: p.id,
      source: 'CLI',
      fileName: 'demo.txt',
      format: 'text',
      bytesTotal: 0,
    });
    await runImport(ctx, actor, batch, Readable.from([Buffer.from(lines.join('\n'))]));
  }
  return true;
}
