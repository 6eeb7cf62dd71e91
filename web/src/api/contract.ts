/**
 * Small helpers over the generated contract (./schema.ts, from docs/openapi.json): name a route's
 * request body, query or success answer by its path and method, e.g.
 * `ResponseOf<'/api/orders/{id}', 'get'>`. Named components are `Schemas['Product']`.
 */
import type { components, paths } from './schema';

export type { paths };
export type Schemas = components['schemas'];

/** The catalog's stable problem codes (src/platform/errors.ts), as the contract lists them. */
export type ErrorCode = Schemas['ErrorCode'];

export type ApiPath = keyof paths;
type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** The methods a path has (the generated type marks the others `?: never`). */
export type MethodOf<P extends ApiPath> = {
  [M in HttpMethod]: paths[P][M] extends undefined ? never : M;
}[HttpMethod];

type Operation<P extends ApiPath, M extends MethodOf<P>> = NonNullable<paths[P][M]>;

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type SuccessStatus = 200 | 201 | 202;

/** The JSON a route answers with on success (200, 201 or 202). */
export type ResponseOf<P extends ApiPath, M extends MethodOf<P>> = {
  [S in keyof Operation<P, M>['responses'] & SuccessStatus]: Json<Operation<P, M>['responses'][S]>;
}[keyof Operation<P, M>['responses'] & SuccessStatus];

/** The JSON request body a route takes. */
export type BodyOf<P extends ApiPath, M extends MethodOf<P>> = Json<
  NonNullable<Operation<P, M>['requestBody']>
>;

/** The query parameters a route takes (all optional ones included). */
export type QueryOf<P extends ApiPath, M extends MethodOf<P>> = NonNullable<
  Operation<P, M>['parameters']['query']
>;

/** The element type of a list answer `{ items: T[] }`. */
export type ItemOf<P extends ApiPath, M extends MethodOf<P>> =
  ResponseOf<P, M> extends { items: (infer T)[] } ? T : never;
