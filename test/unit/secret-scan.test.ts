import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { formatReport, scan } from '../../scripts/secret-scan.js';

// The recorder writes where KAMENG_SECRET_SCAN_DIR points when it is first imported.
const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-scan-test-'));
vi.stubEnv('KAMENG_SECRET_SCAN_DIR', dir);
const rec = await import('../helpers/secret-record.js');
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const KEY = 'PLANTED-KEY-7f3a9c2e';
const PASSWORD = 'planted-horse-42';
const TOKEN = `kmt_${'Zq9'.repeat(12)}`;

describe('the secret scan', () => {
  it('finds a planted secret in a log, a mail, a response header and an exported workbook; not in a reveal', async () => {
    expect(rec.scanning).toBe(true);
    rec.recordSecret('key-secret', KEY);
    rec.recordRequestSecrets({ username: 'alice', password: PASSWORD });
    rec.recordTokensIn(JSON.stringify({ token: TOKEN }));
    rec.recordSecret('password', 'short'); // under 8 characters: not a secret worth scanning for
    rec.recordSecret('password', 'password'); // a plain word: also every login error's field name
    rec.recordSeen('log', 'harness log', '{"field":"password","code":"auth.invalid_credentials"}');

    rec.recordSeen('log', 'harness log', `{"level":30,"msg":"imported ${KEY}"}`);
    rec.recordSeen('mail', 'outbox EMAIL', `Hello, your password is ${PASSWORD}`);
    rec.recordResponse(
      'GET /api/me 200',
      { 'content-type': 'application/json', 'x-debug': TOKEN },
      Buffer.from('{}'),
    );
    const zip = new JSZip();
    zip.file('xl/worksheets/sheet1.xml', `<row><c t="inlineStr"><is><t>${KEY}</t></is></c></row>`);
    rec.recordResponse(
      'GET /api/me/records?format=xlsx 200',
      { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }),
    );
    // delivering the key to its buyer is the reveal's purpose; a session cookie is never recorded
    rec.recordResponse(
      'POST /api/units/u1/reveal 200',
      { 'content-type': 'application/json', 'set-cookie': 'kameng_sid=abc' },
      Buffer.from(JSON.stringify({ secret: KEY })),
    );
    rec.recordSeen('log', 'harness log', 'nothing to see: short appears, PLANTED-KEY does not in full');

    const report = await scan(dir);
    expect(report.secrets).toBe(3);
    expect(report.secretsByKind).toEqual({ 'key-secret': 1, password: 1, 'api-token': 1 });
    expect(report.exempted).toBe(1);
    expect(
      report.hits
        .map((h) => [h.secretKind, h.seenKind, h.where])
        .sort((a, b) => a.join().localeCompare(b.join())),
    ).toEqual([
      ['api-token', 'response', 'GET /api/me 200 headers'],
      ['key-secret', 'log', 'harness log'],
      ['key-secret', 'response', 'GET /api/me/records?format=xlsx 200'],
      ['password', 'mail', 'outbox EMAIL'],
    ]);
    // the report names the place and masks the secret
    const text = formatReport(report);
    expect(text).toContain('4 HITS');
    expect(text).toContain('«secret»');
    for (const s of [KEY, PASSWORD, TOKEN]) expect(text).not.toContain(s);
  });

  it('reports zero hits when nothing leaked', async () => {
    const clean = mkdtempSync(path.join(os.tmpdir(), 'kameng-scan-clean-'));
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        path.join(clean, 'secrets-1.jsonl'),
        `${JSON.stringify({ kind: 'password', value: PASSWORD })}\n`,
      );
      writeFileSync(
        path.join(clean, 'seen-1.jsonl'),
        `${JSON.stringify({ kind: 'log', where: 'x', text: 'all fine' })}\n`,
      );
      const report = await scan(clean);
      expect(report).toMatchObject({ files: 1, records: 1, secrets: 1, hits: [] });
      expect(formatReport(report)).toContain('0 hits');
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });
});
