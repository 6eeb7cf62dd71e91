/**
 * Checkout of goods (spec §4): the buyer confirms the current refund policy (its version), face
 * value, validity and unit price; the price and per-order limit are those of the buyer's member
 * level; keys are reserved in the same transaction (never oversold); a wallet payment is taken and
 * the keys delivered sealed in that transaction too. WeChat/Alipay orders wait for payment until
 * they expire.
 *
 * Its cost does not grow with the quantity (Stage 10, ADR 0012): two reads (the buyer with level,
 * wallet, limits and the platform rules, locked; the product with its shop, policy and prices),
 * then every row the purchase needs — order, payment, units, keys moved along their path by one
 * set-based UPDATE, key history, deadline, ledger transaction, balances, postings — decided first
 * as one plan, written either statement by statement with multi-row inserts (SQLite, where a
 * statement is a function call) or, on PostgreSQL, as one statement of data-modifying CTEs (one
 * round trip). Both give the same records (a test compares them). One audit event per aggregate
 * moved (the keys' event carries them all), and the 201 is answered from the rows in hand.
 */
import { z } from 'zod';
import { versionSchema } from '../../platform/http/schemas.js';
import type { UserActor } from '../../platform/actor.js';
import { sql } from 'kysely';
import { forUpdate, now, type Db, type Engine } from '../../platform/db/dialect.js';
import type { MemberLevel, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { fenToYuan } from '../../platform/money.js';
import { PLATFORM_RULES, platformRulesFrom, type PlatformRules } from '../../platform/settings.js';
import {
  allocationAudit,
  allocationEventsInsert,
  allocationUpdate,
  applyAllocation,
  assertAllocated,
  planAllocation,
  unitsInsert,
  type AllocationPlan,
} from '../inventory/index.js';
import { levelColumns, levelOf } from '../membership/index.js';
import { toPolicyView } from '../catalog/index.js';
import { settlementTime } from './fulfil.js';
import {
  applyPosting,
  BALANCE_PROVIDER,
  ensureAccount,
  escrowOwner,
  orderPaymentMovement,
  paymentMachine,
  postingCtes,
  preparePosting,
  type PaymentsContext,
  type PreparedPosting,
} from '../payments/index.js';
import { requestHash } from '../../platform/idempotency.js';
import { ensurePayUrl, idempotent, newOrderRows, orderCreatedEvent, paymentExpiry } from './create.js';
import { afterCommit, appendAudit, unitOfWork } from '../../platform/unit-of-work.js';
import type { AuditInput } from '../../platform/audit.js';
import { deadlineRow } from '../../platform/deadlines.js';
import { newId, newOrderedId } from '../../platform/ids.js';
import { orderMachine } from './lifecycle.js';
import { orderCreatedFrom, type OrderCreated } from './views.js';

export const checkoutSchema = z.strictObject({
  productId: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(100_000),
  paymentMethod: z.enum(['BALANCE', 'WECHAT', 'ALIPAY']),
  /** The policy version the buyer read and confirmed on the checkout page. */
  policyVersion: versionSchema,
  policyConfirmed: z.boolean(),
  /** Face value and validity as the buyer confirmed them. */
  faceValueFen: z.number().int().min(0),
  validityDays: z.number().int().nullable(),
  /** The unit price (fen) the buyer saw and confirmed; a different current price is refused. */
  unitPriceFen: z.number().int().min(0),
});
export type CheckoutInput = z.infer<typeof checkoutSchema>;

/** What checkout reads of the buyer, in one statement that locks the buyer's row (lock order, ADR 0003). */
async function readBuyer(trx: Db, engine: Engine, buyerId: string, at: Date, escrow: string) {
  const q = trx
    .selectFrom('users')
    .select(['users.member_level', 'users.level_expires_at'])
    .select(levelColumns(at))
    .select((eb) => [
      eb
        .selectFrom('settings')
        .select('settings.value')
        .where('settings.key', '=', PLATFORM_RULES)
        .as('rules'),
      eb
        .selectFrom('ledger_accounts')
        .select('ledger_accounts.id')
        .where('ledger_accounts.kind', '=', 'WALLET')
        .whereRef('ledger_accounts.owner_id', '=', 'users.id')
        .as('wallet_id'),
      eb
        .selectFrom('ledger_accounts')
        .select('ledger_accounts.id')
        .where('ledger_accounts.kind', '=', 'ESCROW')
        .where('ledger_accounts.owner_id', '=', escrow)
        .as('escrow_id'),
      ...LEVELS.map((l) =>
        eb
          .selectFrom('member_levels')
          .select('member_levels.max_qty_per_order')
          .where('member_levels.level', '=', l)
          .as(`max_${l}`),
      ),
    ])
    .where('users.id', '=', buyerId);
  const row = await forUpdate(q, engine).executeTakeFirstOrThrow();
  const level = levelOf(row, at);
  return {
    level,
    maxQuantity: row[`max_${level}`],
    rules: platformRulesFrom(row.rules),
    walletId: row.wallet_id,
    escrowId: row.escrow_id,
  };
}

const LEVELS = ['REGULAR', 'VIP', 'SUPER'] as const satisfies readonly MemberLevel[];

/** What the buyer is buying, as it is now: the product on sale, its shop, current policy and prices. */
async function readOffer(trx: Db, productId: string) {
  const offer = await trx
    .selectFrom('products')
    .innerJoin('merchants', 'merchants.id', 'products.merchant_id')
    .innerJoin('refund_policies', 'refund_policies.id', 'products.current_policy_id')
    .select([
      'products.id',
      'products.status',
      'products.merchant_id',
      'products.name',
      'products.type',
      'products.face_value_fen',
      'products.validity_days',
      'merchants.status as merchant_status',
      'merchants.owner_user_id',
      'merchants.commit_review_24h',
      'merchants.commission_bp',
      'refund_policies.id as policy_id',
      'refund_policies.version as policy_version',
      'refund_policies.text_hash as policy_text_hash',
      'refund_policies.window_hours',
      'refund_policies.unactivated_refund',
    ])
    .select((eb) =>
      LEVELS.map((l) =>
        eb
          .selectFrom('product_prices')
          .select('product_prices.price_fen')
          .whereRef('product_prices.product_id', '=', 'products.id')
          .where('product_prices.level', '=', l)
          .as(`price_${l}`),
      ),
    )
    .where('products.id', '=', productId)
    .executeTakeFirst();
  if (!offer) fail('catalog.product_not_found', { field: 'productId' });
  return offer;
}
type Offer = Awaited<ReturnType<typeof readOffer>>;

/** The policy version, face value and validity the buyer confirmed are the current ones (§3). */
async function confirmTerms(trx: Db, offer: Offer, input: CheckoutInput): Promise<void> {
  if (offer.policy_version !== input.policyVersion) {
    const policy = await trx
      .selectFrom('refund_policies')
      .selectAll()
      .where('id', '=', offer.policy_id)
      .executeTakeFirstOrThrow();
    fail('order.policy_changed', {
      field: 'policyVersion',
      params: { version: policy.version },
      data: { policy: toPolicyView(policy, offer.commit_review_24h === 1) },
    });
  }
  if (offer.face_value_fen !== input.faceValueFen || offer.validity_days !== input.validityDays)
    fail('order.terms_changed', {
      data: { faceValueFen: offer.face_value_fen, validityDays: offer.validity_days },
    });
}

/**
 * The price at the buyer's level — the level of the membership periods running now, not the
 * session's — within the level's quantity limit, and the one the buyer confirmed: a price raised
 * (or a membership lapsed) since the page was shown is refused with the new price.
 */
async function confirmPrice(
  trx: Db,
  buyer: Awaited<ReturnType<typeof readBuyer>>,
  offer: Offer,
  input: CheckoutInput,
): Promise<{ unitPrice: number; memberPrice: boolean }> {
  const { level } = buyer;
  if (buyer.maxQuantity === null || input.quantity > buyer.maxQuantity) {
    const limit = await trx
      .selectFrom('member_levels')
      .select(['max_qty_per_order', 'name_zh', 'name_en'])
      .where('level', '=', level)
      .executeTakeFirstOrThrow();
    fail('order.quantity_over_limit', {
      field: 'quantity',
      params: { max: limit.max_qty_per_order, level: { zh: limit.name_zh, en: limit.name_en } },
    });
  }
  const unitPrice = offer[`price_${level}`] ?? fail('order.product_not_on_sale');
  if (unitPrice !== input.unitPriceFen)
    fail('order.price_changed', {
      field: 'unitPriceFen',
      params: { price: fenToYuan(unitPrice), confirmed: fenToYuan(input.unitPriceFen) },
      data: { unitPriceFen: unitPrice, totalFen: unitPrice * input.quantity, level },
    });
  return { unitPrice, memberPrice: unitPrice < (offer.price_REGULAR ?? unitPrice) };
}

/** Every row a checkout writes, decided before the first write: the one definition of the records. */
export interface CheckoutPlan {
  order: Row<'orders'>;
  payment: Row<'payments'>;
  /** The keys' allocation, which also names the order's units (`unitIds`). */
  keys: AllocationPlan;
  deadline: Row<'deadlines'>;
  /** The payment's ledger movement (a balance checkout), and whether its accounts exist yet. */
  posting: PreparedPosting | null;
  /** The audit events other than the keys' one (which needs the keys the allocation picked). */
  before: AuditInput[];
  after: AuditInput[];
}

/** How the plan is written: `batched` is PostgreSQL's one-statement write, `portable` runs everywhere. */
export type CheckoutWrite = 'batched' | 'portable';

/**
 * Checkout: confirm what the buyer saw, place the order with its snapshot, allocate one key per
 * unit, and — paying from the balance — take the money and deliver, all in one unit of work. A
 * gateway order is asked its pay URL once that has committed. One order per Idempotency-Key.
 */
export async function checkout(
  ctx: PaymentsContext,
  buyer: UserActor,
  key: string,
  input: CheckoutInput,
  options: { write?: CheckoutWrite } = {},
): Promise<{ orderId: string; replayed: boolean; view?: OrderCreated }> {
  if (buyer.role !== 'buyer') fail('order.buyers_only');
  if (!input.policyConfirmed) fail('order.policy_not_confirmed', { field: 'policyConfirmed' });
  const hash = requestHash({ kind: 'GOODS', ...input });
  return idempotent(ctx, buyer.id, key, hash, () =>
    unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      const orderId = newOrderedId(at.getTime());
      const facts = await readBuyer(trx, ctx.engine, buyer.id, at, escrowOwner(orderId));
      const offer = await readOffer(trx, input.productId);
      if (offer.status !== 'ON_SALE') fail('order.product_not_on_sale');
      if (offer.merchant_status !== 'ACTIVE') fail('merchant.suspended');
      if (offer.owner_user_id === buyer.id) fail('order.own_product');
      await confirmTerms(trx, offer, input);
      const { unitPrice, memberPrice } = await confirmPrice(trx, facts, offer, input);
      const viaGateway = input.paymentMethod !== 'BALANCE';
      // An account opened on first use (a wallet never funded, a fresh escrow shard) is created
      // by ensureAccount on the portable path; the batched write updates existing accounts only.
      const accounts = viaGateway
        ? null
        : {
            wallet: facts.walletId ?? (await ensureAccount(trx, 'WALLET', buyer.id, at)).id,
            escrow: facts.escrowId ?? (await ensureAccount(trx, 'ESCROW', escrowOwner(orderId), at)).id,
          };
      const plan = planCheckout(ctx, buyer, key, hash, input, {
        at,
        orderId,
        offer,
        level: facts.level,
        rules: facts.rules,
        unitPrice,
        memberPrice,
        accounts,
      });
      const write = options.write ?? (ctx.engine === 'postgres' ? 'batched' : 'portable');
      const moved = write === 'batched' ? await writeBatched(trx, plan) : await writePortable(trx, plan);
      for (const event of [...plan.before, allocationAudit(plan.keys, moved), ...plan.after])
        await appendAudit(trx, event);
      if (viaGateway) {
        afterCommit(trx, `pay URL ${orderId}`, () => ensurePayUrl(ctx, orderId));
        return { orderId }; // its pay URL comes after the commit: the route reads the order then
      }
      return { orderId, view: orderCreatedFrom(plan.order, plan.payment) };
    }),
  );
}

interface Decided {
  at: Date;
  orderId: string;
  offer: Offer;
  level: MemberLevel;
  rules: PlatformRules;
  unitPrice: number;
  memberPrice: boolean;
  accounts: { wallet: string; escrow: string } | null;
}

/**
 * The purchase's rows. A balance checkout takes its order PENDING_PAYMENT → DELIVERED, its payment
 * PENDING → PAID and its keys AVAILABLE → RESERVED → SEALED in the same transaction: each path is
 * checked edge by edge against its machine's table, and the rows are written in their final state
 * with the events those moves record.
 */
function planCheckout(
  ctx: PaymentsContext,
  buyer: UserActor,
  key: string,
  hash: string,
  input: CheckoutInput,
  d: Decided,
): CheckoutPlan {
  const { at, offer } = d;
  const viaGateway = d.accounts === null;
  const c = { actor: buyer, at };
  const rows = newOrderRows(
    at,
    {
      kind: 'GOODS',
      buyer_id: buyer.id,
      merchant_id: offer.merchant_id,
      product_id: offer.id,
      quantity: input.quantity,
      unit_price_fen: d.unitPrice,
      total_fen: d.unitPrice * input.quantity,
      buyer_level: d.level,
      member_price: d.memberPrice ? 1 : 0,
      product_name: offer.name,
      product_type: offer.type,
      face_value_fen: offer.face_value_fen,
      validity_days: offer.validity_days,
      policy_id: offer.policy_id,
      policy_version: offer.policy_version,
      policy_text_hash: offer.policy_text_hash,
      policy_confirmed_at: now(at),
      commission_bp: offer.commission_bp,
      payment_method: input.paymentMethod,
      expires_at: viaGateway ? paymentExpiry(d.rules, at) : null,
      idempotency_key: key,
      request_hash: hash,
    },
    viaGateway ? ctx.gateways.forMethod(input.paymentMethod).provider : BALANCE_PROVIDER,
    d.orderId,
  );
  const unitIds = Array.from({ length: input.quantity }, () => newId());
  const keys = planAllocation(
    { engine: ctx.engine, actor: buyer, at },
    { productId: offer.id, buyerId: buyer.id, unitIds, deliver: !viaGateway },
  );
  const created = orderCreatedEvent(c, rows.order);
  if (!d.accounts) {
    const deadline = deadlineRow({
      kind: 'ORDER_EXPIRY',
      objectId: d.orderId,
      dueAt: new Date(rows.order.expires_at!),
      at,
    });
    return { ...rows, keys, deadline, posting: null, before: [created], after: [] };
  }
  const settle = settlementTime(offer, d.rules, at);
  const orderPath = orderMachine.planPath({ from: 'PENDING_PAYMENT', path: ['DELIVERED'], by: 'system', at });
  const order: Row<'orders'> = {
    ...rows.order,
    ...orderPath.stamps,
    state: orderPath.state,
    version: orderPath.version,
    paid_at: now(at),
    delivered_at: now(at),
    settle_after: now(settle),
  };
  const paymentPath = paymentMachine.planPath({ from: 'PENDING', path: ['PAID'], by: 'system', at });
  const payment: Row<'payments'> = {
    ...rows.payment,
    ...paymentPath.stamps,
    state: paymentPath.state,
    version: paymentPath.version,
    paid_at: now(at),
  };
  const posting = preparePosting(
    buyer,
    at,
    orderPaymentMovement(order, payment, d.accounts.wallet, d.accounts.escrow),
  );
  return {
    order,
    payment,
    keys,
    deadline: deadlineRow({ kind: 'SETTLEMENT', objectId: d.orderId, dueAt: settle, at }),
    posting,
    before: [
      created,
      ...paymentMachine.pathEvents({
        objectId: payment.id,
        from: 'PENDING',
        path: ['PAID'],
        ...c,
        data: () => ({ orderId: order.id, amountFen: payment.amount_fen, late: false }),
      }),
    ],
    after: [
      ...orderMachine.pathEvents({
        objectId: order.id,
        from: 'PENDING_PAYMENT',
        path: ['DELIVERED'],
        ...c,
        data: () => ({ late: false, units: unitIds.length }),
      }),
      posting.audit,
    ],
  };
}

/** The plan statement by statement: SQLite's write (a statement is a function call there), and PostgreSQL's fallback. */
async function writePortable(trx: Db, plan: CheckoutPlan): Promise<{ id: string; unit_id: string }[]> {
  await trx.insertInto('orders').values(plan.order).execute();
  await trx.insertInto('payments').values(plan.payment).execute();
  await orderUnits(plan).execute(trx);
  const moved = await applyAllocation(trx, plan.keys);
  await trx.insertInto('deadlines').values(plan.deadline).execute();
  if (plan.posting) await applyPosting(trx, plan.posting, { audit: false });
  return moved;
}

/** The order's units (the allocation's unit ids), one statement whatever their number. */
const orderUnits = ({ order, keys }: CheckoutPlan) =>
  unitsInsert(keys.engine, {
    ids: keys.unitIds,
    productId: keys.productId,
    buyerId: order.buyer_id,
    policyId: order.policy_id!,
    orderId: order.id,
    at: keys.atDate,
  });

/**
 * The plan as one PostgreSQL statement: each insert and update a data-modifying CTE, the keys'
 * history selected from the allocation's RETURNING, the balances updated only where they stay
 * covered. It returns the keys moved and the number of balances changed; a shortfall of either
 * fails (rolling the statement back with the transaction).
 */
async function writeBatched(trx: Db, plan: CheckoutPlan): Promise<{ id: string; unit_id: string }[]> {
  const ctes = [
    // the order first: a replayed Idempotency-Key fails on its unique index before any key is touched
    sql`o as (${trx.insertInto('orders').values(plan.order).returning('id')})`,
    sql`p as (${trx.insertInto('payments').values(plan.payment)})`,
    sql`u as (${orderUnits(plan)})`,
    sql`moved as (${allocationUpdate(plan.keys, sql`exists (select 1 from o)`)})`,
    sql`ke as (${allocationEventsInsert(plan.keys, 'moved')})`,
    sql`d as (${trx.insertInto('deadlines').values(plan.deadline)})`,
  ];
  let balances = sql`0`;
  if (plan.posting) {
    const posting = postingCtes(plan.posting);
    ctes.push(
      sql`lt as (${posting.transaction})`,
      sql`la as (${posting.balances})`,
      sql`lp as (${posting.postings})`,
    );
    balances = sql`(select count(*) from la)`;
  }
  const result = await sql<{ moved: string; balances: number }>`with ${sql.join(ctes)}
    select (select coalesce(json_agg(json_build_array(moved.id, moved.unit_id)), '[]') from moved) as moved,
      ${balances} as balances`.execute(trx);
  const row = result.rows[0];
  const moved = (JSON.parse(row.moved) as [string, string][]).map(([id, unit_id]) => ({ id, unit_id }));
  await assertAllocated(trx, plan.keys, moved.length);
  if (plan.posting && Number(row.balances) !== plan.posting.net.length) {
    // only the payer's side can fall short (escrow only receives)
    const payer = plan.posting.net.find((n) => n.amountFen < 0) ?? plan.posting.net[0];
    fail('ledger.insufficient_funds', { params: { account: payer.accountId } });
  }
  return moved;
}
