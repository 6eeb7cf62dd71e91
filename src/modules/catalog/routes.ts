import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { idParams, problems, versionSchema } from '../../platform/http/schemas.js';
import { actorOf, userOf } from '../../platform/http/auth.js';
import { commissionRowSchema, listCommissions, setCommission } from './merchants.js';
import {
  changeStatus,
  createProduct,
  newPolicyVersion,
  policyBounds,
  policyBoundsSchema,
  policyVersionInputSchema,
  productInputSchema,
  productPatchSchema,
  updateProduct,
} from './products.js';
import {
  getMerchant,
  getMerchantProfile,
  getProduct,
  listMerchantProducts,
  listOnSale,
  listPolicies,
  merchantPatchSchema,
  productFilterSchema,
  updateMerchant,
} from './queries.js';
import { merchantProfileSchema, merchantViewSchema, policyViewSchema, productViewSchema } from './views.js';

const productList = z.object({ items: z.array(productViewSchema) });

export function catalogRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/products',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['catalog'],
          summary: 'Products on sale, priced at the viewer’s member level',
          querystring: productFilterSchema,
          response: { 200: productList, ...problems(400) },
        },
      },
      async (req) => ({ items: await listOnSale(ctx, req.actor, req.query) }),
    );

    app.get(
      '/products/:id',
      {
        config: { owner: 'product', auth: 'public' },
        schema: {
          tags: ['catalog'],
          summary: 'One product with its prices, current refund policy and badges',
          params: idParams,
          response: { 200: productViewSchema, ...problems(404) },
        },
      },
      async (req) => getProduct(ctx, req.actor, req.params.id),
    );

    app.get(
      '/products/:id/policies',
      {
        config: { owner: 'product', auth: 'public' },
        schema: {
          tags: ['catalog'],
          summary: 'Every refund policy version of a product, newest first',
          params: idParams,
          response: { 200: z.object({ items: z.array(policyViewSchema) }), ...problems(404) },
        },
      },
      async (req) => ({ items: await listPolicies(ctx, req.actor, req.params.id) }),
    );

    app.get(
      '/merchants/:id',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['catalog'],
          summary: 'A merchant’s public profile',
          params: idParams,
          response: { 200: merchantViewSchema, ...problems(404) },
        },
      },
      async (req) => getMerchant(ctx, req.actor, req.params.id),
    );

    app.get(
      '/merchant/products',
      {
        config: { auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['merchant'],
          summary: 'The merchant’s own products, every status',
          response: { 200: productList, ...problems(401, 403) },
        },
      },
      async (req) => ({ items: await listMerchantProducts(ctx, actorOf(req)) }),
    );

    app.post(
      '/merchant/products',
      {
        config: { auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['merchant'],
          summary: 'Create a product (draft) with prices per level and its first refund policy version',
          body: productInputSchema,
          response: { 201: productViewSchema, ...problems(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        const id = await createProduct(ctx, actor, req.body);
        return reply.code(201).send(await getProduct(ctx, actor, id));
      },
    );

    app.patch(
      '/merchant/products/:id',
      {
        config: { owner: 'product', auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['merchant'],
          summary: 'Edit a product (version-checked)',
          params: idParams,
          body: productPatchSchema,
          response: { 200: productViewSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const actor = actorOf(req);
        await updateProduct(ctx, actor, req.params.id, req.body);
        return getProduct(ctx, actor, req.params.id);
      },
    );

    app.get(
      '/merchant/policy-bounds',
      {
        config: { auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['merchant'],
          summary: 'The platform’s bounds on a refund policy (window hours): values outside are refused',
          response: { 200: policyBoundsSchema, ...problems(401, 403) },
        },
      },
      async () => policyBounds(ctx),
    );

    app.post(
      '/merchant/products/:id/policy',
      {
        config: { owner: 'product', auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['merchant'],
          summary: 'Publish a new immutable refund policy version for a product',
          params: idParams,
          body: policyVersionInputSchema,
          response: { 200: productViewSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const actor = actorOf(req);
        await newPolicyVersion(ctx, actor, req.params.id, req.body);
        return getProduct(ctx, actor, req.params.id);
      },
    );

    app.post(
      '/merchant/products/:id/status',
      {
        config: { owner: 'product', auth: { users: ['merchant', 'admin'], tokens: ['merchant'] } },
        schema: {
          tags: ['merchant'],
          summary: 'Put a product on sale or take it off sale (version-checked)',
          params: idParams,
          body: z.strictObject({ version: versionSchema, status: z.enum(['ON_SALE', 'OFF_SALE']) }),
          response: { 200: productViewSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const actor = actorOf(req);
        await changeStatus(ctx, actor, req.params.id, req.body);
        return getProduct(ctx, actor, req.params.id);
      },
    );

    app.get(
      '/merchant/profile',
      {
        config: { auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['merchant'],
          summary: 'The merchant’s own profile',
          response: { 200: merchantProfileSchema, ...problems(401, 403) },
        },
      },
      async (req) => getMerchantProfile(ctx, actorOf(req)),
    );

    app.patch(
      '/merchant/profile',
      {
        config: { auth: { users: ['merchant'], tokens: ['merchant'] } },
        schema: {
          tags: ['merchant'],
          summary: 'Edit the merchant profile and commitments (e.g. 24-hour review)',
          body: merchantPatchSchema,
          response: { 200: merchantProfileSchema, ...problems(400, 401, 403, 409) },
        },
      },
      async (req) => updateMerchant(ctx, actorOf(req), req.body),
    );

    app.get(
      '/admin/commissions',
      {
        schema: {
          tags: ['admin'],
          summary: 'Every merchant with its commission rate on settlement (basis points, 100 = 1%)',
          response: { 200: z.object({ items: z.array(commissionRowSchema) }), ...problems(401, 403) },
        },
        config: { auth: { users: ['admin', 'support'] } },
      },
      async (req) => ({ items: await listCommissions(ctx, userOf(req)) }),
    );

    app.put(
      '/admin/merchants/:id/commission',
      {
        schema: {
          tags: ['admin'],
          summary: 'Set a merchant’s commission rate on settlement, in basis points (100 = 1%)',
          params: z.strictObject({ id: z.string().max(64) }),
          body: z.strictObject({ commissionBp: z.number().int().min(0).max(5000) }),
          response: {
            200: z.object({ id: z.string(), commissionBp: z.number().int() }),
            ...problems(400, 401, 403, 404),
          },
        },
        config: { auth: { users: ['admin'] } },
      },
      async (req) => setCommission(ctx, userOf(req), req.params.id, req.body.commissionBp),
    );
  };
}
