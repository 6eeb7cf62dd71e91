/**
 * How the web app and the API travel: compressed when the client accepts it (the build's
 * precompressed files as they are, everything else compressed per reply), hashed assets cached
 * for good, the HTML shell revalidated on every load. Uses its own small "build" in a temp dir.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { harness, type Harness } from '../helpers/app.js';

const SHELL = `<!doctype html><html lang="zh-CN"><head><title>Kameng</title></head><body><div id="root"></div>${'<!-- padding -->'.repeat(100)}</body></html>`;
const ASSET = `export const hello = ${JSON.stringify('卡盟 '.repeat(2000))};\n`;
const ASSET_PATH = '/assets/index-Dq8vZ1aB.js';

let h: Harness;
let app: FastifyInstance;
let webDir: string;

beforeAll(async () => {
  h = await harness();
  webDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-web-'));
  mkdirSync(path.join(webDir, 'assets'));
  // As the build does (web/vite.config.ts): the shell precompressed both ways, assets in brotli.
  writeFileSync(path.join(webDir, 'index.html'), SHELL);
  writeFileSync(path.join(webDir, 'index.html.br'), brotliCompressSync(Buffer.from(SHELL)));
  writeFileSync(path.join(webDir, 'index.html.gz'), gzipSync(Buffer.from(SHELL)));
  writeFileSync(path.join(webDir, ASSET_PATH), ASSET);
  writeFileSync(path.join(webDir, `${ASSET_PATH}.br`), brotliCompressSync(Buffer.from(ASSET)));
  writeFileSync(path.join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  app = await buildApp({
    config: h.config,
    handle: h.db,
    clock: h.ctx.clock,
    vault: h.ctx.vault,
    testClock: null,
    logger: false,
    webDir,
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await h?.close();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
});

describe('web delivery', () => {
  it('a hashed asset is cached for a year, immutable, and sent precompressed to a client that accepts brotli', async () => {
    const br = await app.inject({
      method: 'GET',
      url: ASSET_PATH,
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(br.statusCode).toBe(200);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(ASSET);

    // No precompressed .gz on disk: compressed on the fly instead.
    const gz = await app.inject({ method: 'GET', url: ASSET_PATH, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(ASSET);

    // A client that asks for nothing (app.inject's default) gets the plain file.
    const plain = await app.inject({ method: 'GET', url: ASSET_PATH });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(ASSET);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('the HTML shell, at / and as the fallback of client-side routes, is revalidated on every load', async () => {
    const home = await app.inject({ method: 'GET', url: '/', headers: { 'accept-encoding': 'br' } });
    expect(home.statusCode).toBe(200);
    expect(home.headers['cache-control']).toBe('no-cache');
    expect(home.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(home.rawPayload).toString()).toBe(SHELL);

    const route = await app.inject({
      method: 'GET',
      url: '/me/orders/123',
      headers: { accept: 'text/html,application/xhtml+xml', 'accept-encoding': 'gzip' },
    });
    expect(route.statusCode).toBe(200);
    expect(route.headers['cache-control']).toBe('no-cache');
    expect(route.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(route.rawPayload).toString()).toBe(SHELL);
  });

  it('other public files are cached for a day; a missing asset is a 404, not the shell', async () => {
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=86400');
    const missing = await app.inject({
      method: 'GET',
      url: '/assets/gone-Ab12Cd34.js',
      headers: { accept: '*/*' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cache-control']).toBeUndefined();
  });

  it('API JSON is compressed when asked for and plain otherwise', async () => {
    const br = await app.inject({
      method: 'GET',
      url: '/api/openapi.json',
      headers: { 'accept-encoding': 'br' },
    });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    const spec = JSON.parse(brotliDecompressSync(br.rawPayload).toString()) as { openapi: string };
    expect(spec.openapi).toMatch(/^3\./);

    const plain = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.json<{ openapi: string }>().openapi).toMatch(/^3\./);

    // Small replies are not worth compressing.
    const health = await app.inject({
      method: 'GET',
      url: '/api/health',
      headers: { 'accept-encoding': 'br' },
    });
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(health.json<{ status: string }>().status).toBe('ok');
  });
});
