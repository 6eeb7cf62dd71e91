/**
 * The import pool's worker entry is found both from source (tsx, Vitest: the .ts file, loaded
 * through tsx in the threads) and from the build (dist/server: the compiled .js beside the pool's
 * module). The first is run here for real; the second is checked against what
 * tsconfig.build.json actually emits, so a change of outDir/rootDir cannot silently break
 * `npm start` (`npm run bench:import` runs the built CLI end to end).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  decodeChunk,
  encodeTask,
  taskOf,
  type EncodedTask,
  type ParsedChunk,
} from '../../src/modules/inventory/import-encode.js';
import {
  closeImportPool,
  importPool,
  workerFile,
  workerIsSource,
} from '../../src/modules/inventory/import-pool.js';
import { open } from '../../src/platform/crypto.js';

afterAll(() => closeImportPool());

const root = path.resolve(fileURLToPath(import.meta.url), '../../..');

function emitted(config: ts.ParsedCommandLine, source: string): string {
  const out = ts.getOutputFileNames(config, path.join(root, source), false).find((f) => f.endsWith('.js'));
  if (!out) throw new Error(`${source} emits no .js`);
  return path.resolve(out);
}

describe('the import worker entry', () => {
  it('from the build: the compiled worker sits where the compiled pool looks for it', () => {
    const file = ts.findConfigFile(root, (f) => ts.sys.fileExists(f), 'tsconfig.build.json')!;
    const config = ts.getParsedCommandLineOfConfigFile(
      file,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    )!;
    const pool = emitted(config, 'src/modules/inventory/import-pool.ts');
    const worker = emitted(config, 'src/modules/inventory/import-worker.ts');
    expect(fileURLToPath(new URL('./import-worker.js', pathToFileURL(pool)))).toBe(worker);
    expect(worker).toBe(path.join(root, 'dist/server/modules/inventory/import-worker.js'));
  });

  it('from source: a real pool thread loads the .ts entry and encodes what the in-process path does', async () => {
    expect(workerIsSource).toBe(true);
    expect(existsSync(fileURLToPath(workerFile))).toBe(true);
    const chunk: ParsedChunk = {
      ids: ['0190f000-0000-7000-8000-000000000001', '0190f000-0000-7000-8000-000000000002'],
      lineNos: [1, 2],
      serials: ['CARD-0001', null],
      secrets: ['pw-1', 'secret-only-code-2'],
      rejects: [],
      linesRead: 2,
      bytesRead: 40,
      stamp: '2026-12-06T00:00:00.000Z',
    };
    const params = {
      productType: 'CARD_KEY' as const,
      format: 'text' as const,
      fileName: undefined,
      productId: 'p',
      merchantId: 'm',
      batchId: 'b',
      dataKeyId: 'd',
      hmacKey: randomBytes(32),
      dataKey: randomBytes(32),
    };
    const task = taskOf(chunk, 0, 2, params);
    const threaded = decodeChunk(chunk, [(await importPool().run(task)) as EncodedTask], params).rows;
    const local = decodeChunk(chunk, [encodeTask(task)], params).rows;
    for (let i = 0; i < 2; i++) {
      expect(threaded[i][6]).toBe(local[i][6]); // mask
      expect(threaded[i][7]).toEqual(local[i][7]); // lookup_hmac
      expect(threaded[i][8]).toEqual(local[i][8]); // secret_hmac
      const plain: unknown = JSON.parse(
        open(params.dataKey, threaded[i][10], Buffer.from(chunk.ids[i])).toString(),
      );
      expect(plain).toEqual([chunk.serials[i], chunk.secrets[i]]);
    }
  });
});
