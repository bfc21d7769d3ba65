/**
 * No import cycle between the top-level folders of src/ (images/ -> proxy/ -> images/ ...):
 * each feature folder may lean on the ones below it, never on one that leans back on it.
 * Imports are read the way Bun reads them (Bun.Transpiler.scanImports: type-only imports are
 * erased, so they do not count); files directly under src/ (app.ts, context.ts, main.ts) are
 * the wiring and are left out.
 */
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(import.meta.dir, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The top-level folder of src/ a file lives in, or null for a file directly under src/ or outside it. */
function folderOf(file: string): string | null {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0]! : null;
}

const transpilers = {
  ts: new Bun.Transpiler({ loader: 'ts' }),
  tsx: new Bun.Transpiler({ loader: 'tsx' }),
};

/** Folder -> folders it imports (at run time), with one example import per edge. */
export function folderGraph(files: string[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = folderOf(file);
    if (!from) continue;
    const t = file.endsWith('.tsx') ? transpilers.tsx : transpilers.ts;
    for (const imp of t.scanImports(readFileSync(file, 'utf8'))) {
      if (!imp.path.startsWith('.')) continue;
      const to = folderOf(resolve(dirname(file), imp.path));
      if (!to || to === from) continue;
      let edges = graph.get(from);
      if (!edges) graph.set(from, (edges = new Map()));
      if (!edges.has(to)) edges.set(to, `${relative(SRC, file)} imports ${imp.path}`);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first search, each as its folders and the imports that close it. */
export function cyclesOf(graph: Map<string, Map<string, string>>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n)?.keys() ?? []) {
      if (state.get(m) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(m)), m];
        const why = cycle.slice(0, -1).map((f, i) => graph.get(f)!.get(cycle[i + 1]!)!);
        found.push(`${cycle.join(' -> ')} (${why.join('; ')})`);
      } else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

describe('imports between the folders of src/', () => {
  test('the checker finds a cycle when there is one', () => {
    const g = new Map([
      ['images', new Map([['responses', 'images/a.ts imports ../responses/b']])],
      ['responses', new Map([['images', 'responses/b.ts imports ../images/a']])],
      ['proxy', new Map([['routing', 'x']])],
    ]);
    expect(cyclesOf(g)).toEqual(['images -> responses -> images (images/a.ts imports ../responses/b; responses/b.ts imports ../images/a)']);
  });

  test('type-only imports are not counted', () => {
    const imports = transpilers.ts.scanImports("import type { A } from '../a/x';\nimport { b } from '../b/y';\nexport const c = b as A;");
    expect(imports.map((i) => i.path)).toEqual(['../b/y']);
  });

  test('no folder of src/ imports, through others, one that imports it', () => {
    const graph = folderGraph(sourceFiles(SRC));
    expect(graph.size).toBeGreaterThan(10);
    expect(cyclesOf(graph)).toEqual([]);
  });
});
