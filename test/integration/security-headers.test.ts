/**
 * Stage 9 weakness 7: security headers on the app and the API — a CSP that never lets the app be
 * framed, X-Frame-Options DENY, nosniff, Referrer-Policy, and HSTS only in production.
 */
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/app.js';
import { harness, type Harness } from '../helpers/app.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const directives = (csp: unknown): Map<string, string> =>
  new Map(
    String(csp)
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(/\s+/)[0], d.split(/\s+/).slice(1).join(' ')]),
  );

describe('security headers', () => {
  it.each([
    ['API JSON', 'GET', '/api/health', 200],
    ['a problem+json', 'GET', '/api/orders', 401],
    ['an unknown path', 'GET', '/api/nope', 404],
    ['a login', 'POST', '/api/auth/login', 400],
    ['Swagger UI', 'GET', '/api/docs/', 200],
  ])('on %s', async (_what, method, url, status) => {
    const res = await h.client().req(method, url, method === 'POST' ? {} : undefined);
    expect(res.status).toBe(status);
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('default-src')).toBe("'self'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('object-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('style-src')).toBe("'self' 'unsafe-inline'");
    expect(csp.get('img-src')).toBe("'self' data: blob:");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    // not production: no HSTS, no upgrade of http://127.0.0.1 requests
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  });

  it('production adds HSTS for a year and upgrade-insecure-requests', async () => {
    const app = Fastify();
    await app.register(helmet, securityHeaders({ env: 'production' }));
    app.get('/x', async () => ({ ok: true }));
    const res = await app.inject({ method: 'GET', url: '/x' });
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(directives(res.headers['content-security-policy']).has('upgrade-insecure-requests')).toBe(true);
    expect(res.headers['x-frame-options']).toBe('DENY');
    await app.close();
  });
});
