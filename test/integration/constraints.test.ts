/** Each kind of database constraint rejects bad rows, on whichever engine this run uses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constraintKind } from '../../src/platform/db/dialect.js';
import { harness, type Harness } from '../helpers/app.js';
import { productInput } from '../helpers/factories.js';
import { createProduct } from '../../src/modules/catalog/products.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';

let h: Harness;
let merchantId: string;
let userId: string;
let productId: string;
let policyId: string;

const now = '2026-01-05T02:00:00.000Z';

async function rejects(run: () => Promise<unknown>): Promise<string | null> {
  try {
    await run();
  } catch (error) {
    return constraintKind(error);
  }
  return 'accepted';
}

beforeAll(async () => {
  h = await harness();
  const m = await h.account({ role: 'merchant' });
  merchantId = m.merchantId!;
  userId = m.id;
  productId = await createProduct(
    h.ctx,
    { kind: 'user', id: userId, role: 'merchant', memberLevel: 'REGULAR', merchantId },
    productInput(),
  );
  const p = await h.db.db
    .selectFrom('products')
    .select('current_policy_id')
    .where('id', '=', productId)
    .executeTakeFirstOrThrow();
  policyId = p.current_policy_id;
});
afterAll(() => h.close());

describe(`constraints on ${process.env.KAMENG_TEST_ENGINE ?? 'sqlite'}`, () => {
  const product = (over: Record<string, unknown>) => ({
    id: `p-${Math.random()}`,
    merchant_id: merchantId,
    type: 'CARD_KEY' as const,
    name: 'x',
    description: '',
    face_value_fen: 100,
    validity_days: null,
    status: 'DRAFT' as const,
    current_policy_id: policyId,
    version: 1,
    created_at: now,
    updated_at: now,
    ...over,
  });

  it('accepts a valid row (the control case)', async () => {
    expect(await rejects(() => h.db.db.insertInto('products').values(product({})).execute())).toBe(
      'accepted',
    );
  });

  it('foreign key: a product of a merchant that does not exist', async () => {
    expect(
      await rejects(() =>
        h.db.db
          .insertInto('products')
          .values(product({ merchant_id: 'nope' }))
          .execute(),
      ),
    ).toBe('foreign_key');
  });

  it('deferred foreign key: a product pointing at a missing policy is accepted inside the transaction, refused at commit', async () => {
    let insertedInside = false;
    const kind = await rejects(() =>
      unitOfWork(h.ctx, async (trx) => {
        await trx
          .insertInto('products')
          .values(product({ current_policy_id: 'missing' }))
          .execute();
        insertedInside = true;
      }),
    );
    expect(insertedInside).toBe(true);
    expect(kind).toBe('foreign_key');
  });

  it('CHECK on amounts: negative face value and zero price', async () => {
    expect(
      await rejects(() =>
        h.db.db
          .insertInto('products')
          .values(product({ face_value_fen: -1 }))
          .execute(),
      ),
    ).toBe('check');
    expect(
      await rejects(() =>
        h.db.db
          .updateTable('product_prices')
          .set({ price_fen: 0 })
          .where('product_id', '=', productId)
          .execute(),
      ),
    ).toBe('check');
  });

  it('CHECK on states: an unknown product status and role', async () => {
    expect(
      await rejects(() =>
        h.db.db
          .insertInto('products')
          .values(product({ status: 'SOLD' }))
          .execute(),
      ),
    ).toBe('check');
    expect(
      await rejects(() =>
        h.db.db
          .updateTable('users')
          .set({ role: 'god' as never })
          .where('id', '=', userId)
          .execute(),
      ),
    ).toBe('check');
  });

  it('CHECK on policy consistency: a window without unactivated refunds', async () => {
    const kind = await rejects(() =>
      h.db.db
        .insertInto('refund_policies')
        .values({
          id: `rp-${Math.random()}`,
          product_id: productId,
          version: 99,
          unactivated_refund: 0,
          window_hours: 24,
          no_reason_refund: 0,
          revealed_refund: 0,
          non_refundable: 0,
          non_refundable_text: null,
          text_zh: '',
          text_en: '',
          text_hash: 'x',
          created_by: userId,
          created_at: now,
        })
        .execute(),
    );
    expect(kind).toBe('check');
  });

  it('UNIQUE: two users whose names differ only in case', async () => {
    await h.account({ role: 'buyer', username: 'SameName' });
    await expect(h.account({ role: 'buyer', username: 'samename' })).rejects.toMatchObject({
      code: 'auth.username_taken',
    });
  });

  it('partial UNIQUE index: two live tokens of one name, but a revoked one may repeat it', async () => {
    const token = (over: Record<string, unknown>) => ({
      id: `t-${Math.random()}`,
      token_hash: `h-${Math.random()}`,
      prefix: 'kmt_x',
      name: 'shop-sync',
      scope: 'merchant' as const,
      user_id: userId,
      merchant_id: merchantId,
      created_by: userId,
      created_at: now,
      last_used_at: null,
      revoked_at: null,
      ...over,
    });
    await h.db.db
      .insertInto('api_tokens')
      .values(token({ revoked_at: now }))
      .execute();
    await h.db.db.insertInto('api_tokens').values(token({})).execute();
    expect(await rejects(() => h.db.db.insertInto('api_tokens').values(token({})).execute())).toBe('unique');
  });

  it('NOT NULL: a product without a name', async () => {
    expect(
      await rejects(() =>
        h.db.db
          .insertInto('products')
          .values(product({ name: null }))
          .execute(),
      ),
    ).toBe('not_null');
  });

  it('append-only: refund policy versions and audit events cannot be changed or deleted', async () => {
    expect(
      await rejects(() =>
        h.db.db.updateTable('refund_policies').set({ window_hours: 72 }).where('id', '=', policyId).execute(),
      ),
    ).toBe('append_only');
    expect(
      await rejects(() => h.db.db.deleteFrom('refund_policies').where('id', '=', policyId).execute()),
    ).toBe('append_only');
    expect(await rejects(() => h.db.db.updateTable('audit_events').set({ action: 'forged' }).execute())).toBe(
      'append_only',
    );
    expect(await rejects(() => h.db.db.deleteFrom('audit_events').execute())).toBe('append_only');
  });
});
