import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/platform/config.js';
import { productTransitions } from '../../src/modules/catalog/products.js';
import { checkTransition, reachableStates, terminalStates } from '../../src/platform/fsm.js';

describe('product transition table', () => {
  it('every state is reachable from DRAFT; no state is terminal (products are never deleted)', () => {
    expect([...reachableStates(productTransitions, 'DRAFT')].sort()).toEqual([
      'DRAFT',
      'OFF_SALE',
      'ON_SALE',
    ]);
    expect(terminalStates(productTransitions)).toEqual([]);
  });
  it('names who may take each edge', () => {
    expect(checkTransition(productTransitions, 'ON_SALE', 'OFF_SALE', 'admin')).toBe('ok');
    expect(checkTransition(productTransitions, 'OFF_SALE', 'ON_SALE', 'admin')).toBe('forbidden');
    expect(checkTransition(productTransitions, 'DRAFT', 'OFF_SALE', 'merchant')).toBe('no_edge');
    expect(checkTransition(productTransitions, 'ON_SALE', 'DRAFT', 'merchant')).toBe('no_edge');
  });
});

const MK = Buffer.alloc(32, 1).toString('base64');

describe('loadConfig', () => {
  it('defaults to embedded SQLite under ./data with the test clock on outside production', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ engine: 'sqlite', port: 3000, testClock: true, seedDemo: true });
    expect(c.sqlitePath).toMatch(/data[\\/]kameng\.db$/);
  });
  it('uses PostgreSQL when DATABASE_URL is set, and never a test clock in production', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://u@h/db', NODE_ENV: 'production', KAMENG_MASTER_KEY: MK }),
    ).toMatchObject({
      engine: 'postgres',
      testClock: false,
    });
  });
  it('names each bad variable', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as ConfigError).message;
      expect(msg).toContain('PORT="eighty"');
      expect(msg).toContain('DATABASE_URL=(value hidden)');
      expect(msg).toContain('LOG_LEVEL="loud"');
    }
    expect(() => loadConfig({ NODE_ENV: 'production', KAMENG_TEST_CLOCK: 'on' })).toThrow(
      /KAMENG_TEST_CLOCK/,
    );
  });

  it('production defaults: no demo seed, secure cookies, no trusted proxy; the demo cannot be forced on', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/KAMENG_MASTER_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', KAMENG_MASTER_KEY: MK })).toMatchObject({
      seedDemo: false,
      cookieSecure: true,
      trustProxy: false,
    });
    expect(loadConfig({})).toMatchObject({ seedDemo: true, cookieSecure: false, trustProxy: false });
    expect(() => loadConfig({ NODE_ENV: 'production', KAMENG_SEED_DEMO: 'auto' })).toThrow(
      /KAMENG_SEED_DEMO/,
    );
    expect(loadConfig({ KAMENG_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ KAMENG_TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
  });
  it('runtime modes: the demo stays on this machine, real secrets or a real database turn it off, production never has it', () => {
    // npm start: demo on, loopback only
    expect(loadConfig({})).toMatchObject({
      demo: 'on',
      host: '127.0.0.1',
      seedDemo: true,
      sandboxGateways: true,
      testClock: true,
    });
    // the demo on another interface is refused unless asked for explicitly
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/KAMENG_DEMO=public/);
    expect(() => loadConfig({ HOST: '192.0.2.2' })).toThrow(/HOST="192.0.2.2"/);
    expect(loadConfig({ HOST: '0.0.0.0', KAMENG_DEMO: 'public' })).toMatchObject({
      demo: 'public',
      host: '0.0.0.0',
    });
    for (const host of ['localhost', '127.0.0.2', '::1', '[::1]'])
      expect(loadConfig({ HOST: host }).host).toBe(host);
    // real secrets or PostgreSQL without production: no demo accounts, sandbox cashier or test clock
    for (const env of [{ KAMENG_MASTER_KEY: MK }, { DATABASE_URL: 'postgres://u@h/db' }]) {
      const c = loadConfig(env);
      expect(c).toMatchObject({ demo: 'off', seedDemo: false, sandboxGateways: false, testClock: false });
      expect(c.demoOffReason).toMatch(/NODE_ENV=production/);
      // with the demo off, nothing public is left to protect: any interface is allowed
      expect(loadConfig({ ...env, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    }
    // the demo accounts alone cannot be asked for while the demo is off
    expect(() => loadConfig({ KAMENG_MASTER_KEY: MK, KAMENG_SEED_DEMO: 'auto' })).toThrow(/KAMENG_DEMO=on/);
    // an operator may still ask for the demo on such a database, outside production
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', KAMENG_DEMO: 'on' })).toMatchObject({
      demo: 'on',
      seedDemo: true,
    });
    // production: never the demo, listens everywhere by default
    const prod = { NODE_ENV: 'production', KAMENG_MASTER_KEY: MK };
    expect(loadConfig(prod)).toMatchObject({
      demo: 'off',
      host: '0.0.0.0',
      seedDemo: false,
      testClock: false,
    });
    expect(() => loadConfig({ ...prod, KAMENG_DEMO: 'on' })).toThrow(/KAMENG_DEMO=on/);
    expect(() => loadConfig({ ...prod, KAMENG_DEMO: 'public' })).toThrow(/cannot run in production/);
  });
  it('never echoes a database URL (it can hold a password)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://admin:s3cret@db/kameng' })).toThrow(
      /DATABASE_URL=\(value hidden\)/,
    );
    try {
      loadConfig({ DATABASE_URL: 'mysql://admin:s3cret@db/kameng' });
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
  });
});

describe('order, payment and payout transition tables', async () => {
  const { orderTransitions } = await import('../../src/modules/orders/lifecycle.js');
  const { paymentTransitions, payoutTransitions } = await import('../../src/modules/payments/lifecycle.js');
  it('every order state is reachable; REFUNDED is the only terminal one', () => {
    expect([...reachableStates(orderTransitions, 'PENDING_PAYMENT')].sort()).toEqual([
      'CANCELLED',
      'DELIVERED',
      'EXPIRED',
      'PENDING_PAYMENT',
      'REFUNDED',
    ]);
    expect(terminalStates(orderTransitions)).toEqual(['REFUNDED']);
  });
  it('only the buyer cancels; only the system delivers, expires or refunds', () => {
    expect(checkTransition(orderTransitions, 'PENDING_PAYMENT', 'CANCELLED', 'buyer')).toBe('ok');
    expect(checkTransition(orderTransitions, 'PENDING_PAYMENT', 'DELIVERED', 'buyer')).toBe('forbidden');
    expect(checkTransition(orderTransitions, 'DELIVERED', 'EXPIRED', 'system')).toBe('no_edge');
    expect(checkTransition(orderTransitions, 'EXPIRED', 'DELIVERED', 'system')).toBe('ok'); // late payment
  });
  it('a payment is paid at most once; payouts end in SUCCESS or CLOSED; ABNORMAL is settled by support or the gateway', () => {
    expect(terminalStates(paymentTransitions)).toEqual(['PAID']);
    expect(checkTransition(paymentTransitions, 'PAID', 'PAID', 'system')).toBe('no_edge');
    expect(terminalStates(payoutTransitions).sort()).toEqual(['CLOSED', 'SUCCESS']);
    expect([...reachableStates(payoutTransitions, 'PENDING')].sort()).toEqual([
      'ABNORMAL',
      'CLOSED',
      'PENDING',
      'PROCESSING',
      'SUCCESS',
    ]);
    expect(checkTransition(payoutTransitions, 'ABNORMAL', 'SUCCESS', 'system')).toBe('ok');
    expect(checkTransition(payoutTransitions, 'SUCCESS', 'ABNORMAL', 'system')).toBe('no_edge');
    expect(checkTransition(payoutTransitions, 'PENDING', 'SUCCESS', 'support')).toBe('forbidden');
    expect(checkTransition(payoutTransitions, 'ABNORMAL', 'SUCCESS', 'support')).toBe('ok');
  });
});

describe('sandbox gateways and production', () => {
  it('are on outside production, off in production unless switched on explicitly', () => {
    expect(loadConfig({}).sandboxGateways).toBe(true);
    const prod = { NODE_ENV: 'production', KAMENG_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') };
    expect(loadConfig(prod).sandboxGateways).toBe(false);
    expect(loadConfig({ ...prod, KAMENG_SANDBOX_GATEWAYS: 'on' }).sandboxGateways).toBe(true);
  });
});
