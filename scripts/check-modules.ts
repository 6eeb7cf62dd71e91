/**
 * `npm run lint` part two: the module boundaries (.dependency-cruiser.cjs: no deep import into
 * another module, platform imports no module, no file cycles) and the module-level cycle count —
 * files collapsed into their module (src/modules/<name>, src/platform, src/cli, the app), strongly
 * connected components over that graph. Prints the module graph; exits 1 on any violation or cycle.
 */
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs') as IConfiguration;

const moduleOf = (file: string): string | null => {
  const m = /^src\/(modules\/[^/]+|platform|cli)\//.exec(file);
  return m ? m[1] : file.startsWith('src/') ? 'app' : null;
};

/** Tarjan's strongly connected components with more than one node: the module cycles. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])]);
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found;
}

const { output } = await cruise(
  ['src'],
  { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden } },
  undefined,
  { tsConfig: extractTSConfig('tsconfig.json') },
);
const result = output as ICruiseResult;
const edges = new Map<string, Set<string>>();
for (const m of result.modules) {
  const from = moduleOf(m.source);
  if (!from) continue;
  for (const d of m.dependencies) {
    const to = moduleOf(d.resolved);
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
}
for (const [from, tos] of [...edges].sort(([a], [b]) => a.localeCompare(b)))
  process.stdout.write(`${from.padEnd(24)} → ${[...tos].sort().join(', ')}\n`);
const violations = result.summary.violations;
for (const v of violations) process.stdout.write(`✗ ${v.rule.name}: ${v.from} → ${v.to}\n`);
const moduleCycles = cycles(edges);
for (const c of moduleCycles) process.stdout.write(`✗ module cycle: ${c.join(' ⇄ ')}\n`);
process.stdout.write(
  `${result.summary.totalCruised} files, ${violations.length} boundary violation(s), ${moduleCycles.length} module cycle(s)\n`,
);
if (violations.length > 0 || moduleCycles.length > 0) process.exit(1);
