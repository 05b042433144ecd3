// The import rules of src/ (docs/architecture.md): each folder is a layer that imports only the
// layers below it, and no file imports a file that imports it back (directly or through others).
// Run by `npm run lint`; exits 1 with one line per broken rule.
//
// Usage: node scripts/check-layers.mjs [src-dir]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Layers from the bottom up; a layer may import itself and any layer before it. */
export const LAYERS = ['model', 'parse', 'scan', 'aggregate', 'summary', 'input', 'analyze', 'render', 'options', 'watch', 'cli', 'startup'];

const IMPORT = /(?:^|\n)\s*(?:import|export)\s(?:type\s)?[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every `.ts` file under `root`, and the files each imports (relative imports only). */
export function importGraph(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  walk(root);
  const known = new Set(files);
  const edges = new Map();
  for (const file of files) {
    const targets = new Set();
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolve(dirname(file), m[1] ?? m[2]);
      const hit = [target, `${target}.ts`, join(target, 'index.ts')].find((c) => known.has(c));
      if (hit !== undefined) targets.add(hit);
    }
    edges.set(file, targets);
  }
  return { files, edges };
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(nodes, edges) {
  let index = 0;
  const indexOf = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  const visit = (v) => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), indexOf.get(w)));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component);
    }
  };
  for (const v of nodes) if (!indexOf.has(v)) visit(v);
  return out;
}

/** The broken rules of the tree under `root`, as sentences (empty when it keeps them all). */
export function checkLayers(root) {
  const { files, edges } = importGraph(root);
  const problems = [];
  const layerOf = (file) => relative(root, file).split('/')[0] ?? '';
  for (const file of files) {
    const from = layerOf(file);
    const rank = LAYERS.indexOf(from);
    if (rank === -1) {
      problems.push(`${relative(root, file)}: not in a layer folder (${LAYERS.join(', ')})`);
      continue;
    }
    for (const target of edges.get(file) ?? []) {
      const to = layerOf(target);
      if (LAYERS.indexOf(to) > rank) problems.push(`${relative(root, file)} imports ${relative(root, target)}: ${from}/ may not import ${to}/, a layer above it`);
    }
  }
  for (const component of cycles(files, edges)) problems.push(`import cycle: ${component.map((f) => relative(root, f)).join(' → ')}`);
  return problems;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const root = resolve(process.argv[2] ?? 'src');
  const problems = checkLayers(root);
  for (const p of problems) process.stderr.write(`layers: ${p}\n`);
  if (problems.length > 0) process.exit(1);
}
