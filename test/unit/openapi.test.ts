import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi, OPENAPI_FILE } from '../../scripts/openapi.js';

describe('docs/openapi.json', () => {
  it('matches what the route schemas generate (run `npm run openapi` after changing a route)', async () => {
    const generated = await generateOpenApi();
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(JSON.parse(generated));
  });

  it('documents problem responses and the main routes', async () => {
    const doc = JSON.parse(await generateOpenApi()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
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
      expect.arrayContaining(['Problem', 'Product', 'RefundPolicy']),
    );
  });
});
