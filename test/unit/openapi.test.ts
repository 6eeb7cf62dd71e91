import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateOpenApi, generateWebSchema, OPENAPI_FILE, WEB_SCHEMA_FILE } from '../../scripts/openapi.js';
import { ERROR_CODES } from '../../src/platform/errors.js';

describe('docs/openapi.json', () => {
  let generated: string;
  beforeAll(async () => {
    generated = await generateOpenApi();
  });

  it('matches what the route schemas generate (run `npm run openapi` after changing a route)', () => {
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(JSON.parse(generated));
  });

  it('documents problem responses, every error code and the main routes', () => {
    const doc = JSON.parse(generated) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { enum?: unknown[] }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/health',
        '/api/auth/login',
        '/api/products/{id}',
        '/api/merchant/products',
        '/api/admin/clock/advance',
      ]),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'ErrorCode', 'Product', 'RefundPolicy']),
    );
    expect(doc.components.schemas.ErrorCode?.enum).toEqual([...ERROR_CODES]);
  });
});

describe('web/src/api/schema.ts', () => {
  it('is what openapi-typescript generates from docs/openapi.json (run `npm run openapi`)', async () => {
    const expected = await generateWebSchema(readFileSync(OPENAPI_FILE, 'utf8'));
    const committed = readFileSync(WEB_SCHEMA_FILE, 'utf8');
    // Compare line by line: a drift then shows the first lines that differ, not two 200 kB strings.
    expect(committed.split('\n')).toEqual(expected.split('\n'));
  });
});
