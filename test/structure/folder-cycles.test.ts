/**
 * No import cycle between the top-level folders of src/ (images/ -> proxy/ -> images/ ...):
 * each feature folder may lean on the ones below it, never on one that leans back on it.
 * Imports are read the way Bun reads them (Bun.Transpiler.scanImports: type-only imports are
 * erased, so they do not count); files directly under src/ (app.ts, context.ts, main.ts) are
 * the wiring and are left out.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { cyclesOf, type ImportGraph, runTimeImportedPaths, SRC, sourceFiles } from './import-graph';

/** The top-level folder of src/ a file lives in, or null for a file directly under src/ or outside it. */
function folderOf(file: string): string | null {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0]! : null;
}

/** Folder -> folders it imports (at run time), with one example import per edge. */
export function folderGraph(files: string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const from = folderOf(file);
    if (!from) continue;
    for (const path of runTimeImportedPaths(file, readFileSync(file, 'utf8'))) {
      if (!path.startsWith('.')) continue;
      const to = folderOf(resolve(dirname(file), path));
      if (!to || to === from) continue;
      let edges = graph.get(from);
      if (!edges) graph.set(from, (edges = new Map()));
      if (!edges.has(to)) edges.set(to, `${relative(SRC, file)} imports ${path}`);
    }
  }
  return graph;
}

describe('imports between the folders of src/', () => {
  test('the checker finds a cycle when there is one', () => {
    const g: ImportGraph = new Map([
      ['images', new Map([['responses', 'images/a.ts imports ../responses/b']])],
      ['responses', new Map([['images', 'responses/b.ts imports ../images/a']])],
      ['proxy', new Map([['routing', 'x']])],
    ]);
    expect(cyclesOf(g)).toEqual(['images -> responses -> images (images/a.ts imports ../responses/b; responses/b.ts imports ../images/a)']);
  });

  test('type-only imports are not counted', () => {
    const text = "import type { A } from '../a/x';\nimport { b } from '../b/y';\nexport const c = b as A;";
    expect(runTimeImportedPaths('x.ts', text)).toEqual(['../b/y']);
  });

  test('no folder of src/ imports, through others, one that imports it', () => {
    const graph = folderGraph(sourceFiles(SRC));
    expect(graph.size).toBeGreaterThan(10);
    expect(cyclesOf(graph)).toEqual([]);
  });
});
