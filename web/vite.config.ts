import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

/**
 * Modules a buyer's first page must never download: charts (the admin dashboard's ECharts) and
 * the admin, merchant and support pages. The build fails when one is reachable from the entry
 * chunk through static imports (lazy `import()` is fine).
 */
const NOT_IN_ENTRY = [
  /node_modules[\\/](echarts|zrender|echarts-for-react)[\\/]/,
  /[\\/]web[\\/]src[\\/]pages[\\/](admin|merchant)[\\/]/,
];

function guardEntry(): Plugin {
  return {
    name: 'kameng-guard-entry',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const entry of Object.values(bundle)) {
        if (entry.type !== 'chunk' || !entry.isEntry) continue;
        const seen = new Set<string>();
        const walk = (fileName: string): void => {
          if (seen.has(fileName)) return;
          seen.add(fileName);
          const chunk = bundle[fileName];
          if (chunk?.type !== 'chunk') return;
          for (const id of chunk.moduleIds) {
            const rule = NOT_IN_ENTRY.find((r) => r.test(id));
            if (rule)
              this.error(
                `${id} is loaded by the first page (chunk ${fileName}, from ${entry.fileName}); import it lazily`,
              );
          }
          chunk.imports.forEach(walk);
        };
        walk(entry.fileName);
      }
    },
  };
}

/**
 * Writes .br (quality 11) and .gz (level 9) next to every text asset once at build time, so the
 * server sends them as they are (@fastify/static `preCompressed`) instead of compressing per request.
 */
function precompress(): Plugin {
  return {
    name: 'kameng-precompress',
    apply: 'build',
    writeBundle(_options, bundle) {
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css|html|svg|json|txt|webmanifest)$/.test(fileName)) continue;
        const file = path.join(outDir, fileName);
        const raw = readFileSync(file);
        if (raw.length < 1024) continue;
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(raw, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 11,
              [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
            },
          }),
        );
        writeFileSync(`${file}.gz`, gzipSync(raw, { level: 9 }));
      }
    },
  };
}

// Build: `vite build --config web/vite.config.ts` from the repo root -> dist/web.
export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react(), guardEntry(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    // Source maps are for debugging; .map files are not precompressed nor sent unless asked for.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // Only libraries every page needs get a chunk of their own (stable across deploys, so
          // cached). antd, i18n and the query client are split by use: the first page downloads
          // only the components it renders. ECharts stays in its own chunk, loaded by the pages
          // that draw charts.
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/ },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender|echarts-for-react)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
