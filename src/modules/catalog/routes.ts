import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { idParams, problems } from '../../platform/http/schemas.js';
import { requireActor } from '../accounts/http.js';
import {
  changeStatus,
  createProduct,
  newPolicyVersion,
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
        schema: {
          tags: ['merchant'],
          summary: 'The merchant’s own products, every status',
          response: { 200: productList, ...problems(401, 403) },
        },
      },
      async (req) => ({ items: await listMerchantProducts(ctx, requireActor(req)) }),
    );

    app.post(
      '/merchant/products',
      {
        schema: {
          tags: ['merchant'],
          summary: 'Create a product (draft) with prices per level and its first refund policy version',
          body: productInputSchema,
          response: { 201: productViewSchema, ...problems(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const id = await createProduct(ctx, actor, req.body);
        return reply.code(201).send(await getProduct(ctx, actor, id));
      },
    );

    app.patch(
      '/merchant/products/:id',
      {
        schema: {
          tags: ['merchant'],
          summary: 'Edit a product (version-checked)',
          params: idParams,
          body: productPatchSchema,
          response: { 200: productViewSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        await updateProduct(ctx, actor, req.params.id, req.body);
        return getProduct(ctx, actor, req.params.id);
      },
    );

    app.post(
      '/merchant/products/:id/policy',
      {
        schema: {
          tags: ['merchant'],
          summary: 'Publish a new immutable refund policy version for a product',
          params: idParams,
          body: policyVersionInputSchema,
          response: { 200: productViewSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        await newPolicyVersion(ctx, actor, req.params.id, req.body);
        return getProduct(ctx, actor, req.params.id);
      },
    );

    app.post(
      '/merchant/products/:id/status',
      {
        schema: {
          tags: ['merchant'],
          summary: 'Put a product on sale or take it off sale (version-checked)',
          params: idParams,
          body: z.strictObject({ version: z.number().int().min(1), status: z.enum(['ON_SALE', 'OFF_SALE']) }),
          response: { 200: productViewSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        await changeStatus(ctx, actor, req.params.id, req.body);
        return getProduct(ctx, actor, req.params.id);
      },
    );

    app.get(
      '/merchant/profile',
      {
        schema: {
          tags: ['merchant'],
          summary: 'The merchant’s own profile',
          response: { 200: merchantProfileSchema, ...problems(401, 403) },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const id = (actor.kind !== 'system' ? actor.merchantId : null) ?? fail('catalog.not_merchant');
        return getMerchantProfile(ctx, actor, id);
      },
    );

    app.patch(
      '/merchant/profile',
      {
        schema: {
          tags: ['merchant'],
          summary: 'Edit the merchant profile and commitments (e.g. 24-hour review)',
          body: merchantPatchSchema,
          response: { 200: merchantProfileSchema, ...problems(400, 401, 403, 409) },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const id = (actor.kind !== 'system' ? actor.merchantId : null) ?? fail('catalog.not_merchant');
        return updateMerchant(ctx, actor, id, req.body);
      },
    );
  };
}
