/**
 * Module boundaries (architecture: "modules talk to each other through their index.ts only").
 * Checked by `npm run lint` through scripts/check-modules.ts, which also counts module-level cycles.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'module-entry-only',
      severity: 'error',
      comment: 'A module reaches another module only through its index.ts (no deep import).',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'app-uses-entries',
      severity: 'error',
      comment: 'The app, the server and the CLI use modules through their index.ts too.',
      from: { path: '^src/', pathNot: '^src/modules/' },
      to: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'platform-knows-no-module',
      severity: 'error',
      comment:
        'platform/ is what modules build on; it never imports a module, the app, the server or the CLI.',
      from: { path: '^src/platform/' },
      to: { path: '^src/(modules/|cli/|app\\.ts|server\\.ts|boot\\.ts)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles between files.',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
