/**
 * @node-rs/argon2 for the integration and browser tests (vitest.config.ts aliases the package to
 * this file there): the same argon2id, with 1 MiB and one pass instead of production's 19 MiB and
 * two. Every account a test creates and every login hashes or verifies once, and at production's
 * cost that was a visible share of the suite. verify() reads the cost from the stored hash, so
 * hashes made here and production ones both verify. The unit project is not aliased:
 * test/unit/password-hash.test.ts asserts production's parameters.
 */
import { createRequire } from 'node:module';
import type * as Argon2 from '@node-rs/argon2';

// require() is not aliased: this is the real package.
const real = createRequire(import.meta.url)('@node-rs/argon2') as typeof Argon2;

export const TEST_COST = { memoryCost: 1024, timeCost: 1 } as const;

export const { verify, verifySync, parseOptions } = real;
export const hash: typeof real.hash = (password, options, signal) =>
  real.hash(password, { ...options, ...TEST_COST }, signal);
export const hashSync: typeof real.hashSync = (password, options) =>
  real.hashSync(password, { ...options, ...TEST_COST });
