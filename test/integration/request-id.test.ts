/** The request id: on every log line written while a request is handled, whoever wrote it, and echoed. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { FixedClock } from '../../src/platform/clock.js';
import { errorLogger } from '../../src/platform/logger.js';
import { KeyVault } from '../../src/platform/vault.js';
import { TEST_MASTER_KEY, T0 } from '../helpers/app.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

let app: FastifyInstance;
let db: TestDb;
let dataDir: string;
const lines: string[] = [];
const PASSWORD = 'hunter2-not-for-logs';
const TOKEN = 'kmt_not-for-logs-either';

interface Line {
  reqId?: string;
  job?: string;
  runId?: string;
  msg?: string;
  password?: string;
  token?: string;
}
const parsed = (): Line[] => lines.map((l) => JSON.parse(l) as Line);

beforeAll(async () => {
  db = await createTestDb(T0);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-reqid-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    KAMENG_DATA_DIR: dataDir,
    KAMENG_SANDBOX_GATEWAYS: 'off',
  });
  const vault = new KeyVault(TEST_MASTER_KEY);
  await vault.hmacKey(db.db, T0);
  app = await buildApp({
    config,
    handle: db,
    clock: new FixedClock(T0),
    testClock: null,
    vault,
    logger: { stream: { write: (line: string) => void lines.push(line) } },
    webDir: '/nonexistent',
  });
  // What a use case does deep inside a request: awaits, logs through the context's logger (the
  // app's root logger, which knows no request) and through an error logger like fallbackLogger,
  // then fails (the error handler logs through request.log).
  const deepFallback = errorLogger({ write: (line: string) => void lines.push(line) });
  app.post('/deep', async (req) => {
    await new Promise((r) => setTimeout(r, 1));
    await db.db.selectFrom('settings').select('key').limit(1).execute();
    app.kameng.ctx.log.info({ password: PASSWORD, body: req.body }, 'deep in a use case');
    await Promise.resolve().then(() => deepFallback.error({ token: TOKEN }, 'fallback logger'));
    throw new Error('boom');
  });
  app.kameng.sweeper.every('test.logs', async () => {
    app.kameng.ctx.log.info('a sweep task logs');
    return 1;
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

async function deep(headers: Record<string, string>): Promise<{ id: string; logged: Line[] }> {
  lines.length = 0;
  const res = await app.inject({
    method: 'POST',
    url: '/deep',
    headers,
    payload: { note: 'x', password: PASSWORD },
  });
  expect(res.statusCode).toBe(500);
  const id = String(res.headers['x-request-id']);
  return { id, logged: parsed() };
}

describe('request id', () => {
  it('is on every line written while the request is handled, once, whichever logger wrote it', async () => {
    const { id, logged } = await deep({ 'x-request-id': 'edge-7f3a.01_B' });
    expect(id).toBe('edge-7f3a.01_B');
    expect(logged.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'incoming request',
        'deep in a use case',
        'fallback logger',
        'unhandled error',
        'request completed',
      ]),
    );
    for (const l of logged) expect(l.reqId, JSON.stringify(l)).toBe(id);
    // never twice in one line (request.log has it bound; the mixin does not add it again)
    for (const raw of lines) expect(raw.match(/"reqId":/g), raw).toHaveLength(1);
  });

  it('survives reading a body from a real socket (the body arrives on socket events)', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      lines.length = 0;
      const res = await fetch(`${address}/deep`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'sock-1' },
        // large enough to arrive in several chunks
        body: JSON.stringify({ note: 'y'.repeat(256 * 1024) }),
      });
      expect(res.status).toBe(500);
      expect(res.headers.get('x-request-id')).toBe('sock-1');
      const logged = parsed();
      expect(logged.map((l) => l.msg)).toContain('deep in a use case');
      for (const l of logged) expect(l.reqId, l.msg).toBe('sock-1');
    } finally {
      await new Promise<void>((resolve) => app.server.close(() => resolve()));
    }
  });

  it('replaces an incoming id that is not safe to log or echo', async () => {
    for (const bad of ['has space', 'a'.repeat(65), 'quote"d', '<script>', '']) {
      const { id, logged } = await deep({ 'x-request-id': bad });
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      for (const l of logged) expect(l.reqId).toBe(id);
    }
    const a = await deep({});
    const b = await deep({});
    expect(a.id).not.toBe(b.id);
  });

  it('keeps secrets redacted on the lines it adds to', async () => {
    const { logged } = await deep({});
    const all = lines.join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(TOKEN);
    expect(logged.find((l) => l.msg === 'deep in a use case')?.password).toBe('[REDACTED]');
    expect(logged.find((l) => l.msg === 'fallback logger')?.token).toBe('[REDACTED]');
  });

  it('is echoed on problem+json answers too', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nowhere', headers: { 'x-request-id': 'r-1' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-request-id']).toBe('r-1');
  });

  it('is replaced by a run id in background work (a sweep)', async () => {
    lines.length = 0;
    await app.kameng.sweep();
    await app.kameng.sweep();
    const runs = parsed().filter((l) => l.msg === 'a sweep task logs');
    expect(runs).toHaveLength(2);
    for (const l of runs) {
      expect(l.job).toBe('sweep');
      expect(l.runId).toMatch(/^[0-9a-f]{8}$/);
      expect(l.reqId).toBeUndefined();
    }
    expect(runs[0].runId).not.toBe(runs[1].runId);
  });
});
