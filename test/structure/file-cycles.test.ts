/**
 * No import cycle between the files of src/ (a.ts -> b.ts -> a.ts): each file stands above what
 * it imports. Unlike folder-cycles.test.ts, type-only imports count here: a type that two files
 * trade still ties them, and the one that owns it is the one to hold it. The import statements
 * are read from the text (import, import type, export ... from), so nothing is erased.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { cyclesOf, importedPaths, type ImportGraph, runTimeImportedPaths, SRC, sourceFiles } from './import-graph';

/** The source file a relative import names ('./x', './x.ts', './dir' for its index), or null. */
function resolveImport(from: string, path: string): string | null {
  const base = resolve(dirname(from), path);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) {
    if (/\.tsx?$/.test(candidate) && existsSync(candidate)) return candidate;
  }
  return null;
}

/** File -> files of src/ it imports (type-only imports too), each with the import that draws the edge. */
function fileGraph(files: string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const from = relative(SRC, file);
    const edges = new Map<string, string>();
    graph.set(from, edges);
    for (const path of importedPaths(readFileSync(file, 'utf8'))) {
      if (!path.startsWith('.')) continue;
      const target = resolveImport(file, path);
      if (!target) continue;
      const to = relative(SRC, target);
      if (!to.startsWith('..') && !edges.has(to)) edges.set(to, `${from} imports ${path}`);
    }
  }
  return graph;
}

describe('imports between the files of src/', () => {
  test('every import statement is read, type-only and multi-line ones too', () => {
    const text = [
      "import type { A } from './a';",
      "import { b,\n  type C } from '../b/c';",
      "export { d } from './d.ts';",
      "export type { E } from './e';",
      "import './side-effect';",
      "export const f = 'not an import';",
      " * import { g } from './in-a-comment-line-that-starts-with-a-star';",
    ].join('\n');
    expect(importedPaths(text)).toEqual(['./a', '../b/c', './d.ts', './e', './side-effect']);
  });

  test('the text reader misses no import that Bun reads at run time', () => {
    const missed = sourceFiles(SRC).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const read = new Set(importedPaths(text));
      return runTimeImportedPaths(file, text).filter((p) => p.startsWith('.') && !read.has(p)).map((p) => `${relative(SRC, file)} imports ${p}`);
    });
    expect(missed).toEqual([]);
  });

  test('the checker finds a cycle when there is one', () => {
    const g: ImportGraph = new Map([
      ['a.ts', new Map([['b.ts', 'a.ts imports ./b']])],
      ['b.ts', new Map([['a.ts', 'b.ts imports ./a']])],
    ]);
    expect(cyclesOf(g)).toEqual(['a.ts -> b.ts -> a.ts (a.ts imports ./b; b.ts imports ./a)']);
  });

  test('no file of src/ imports, through others, one that imports it', () => {
    const graph = fileGraph(sourceFiles(SRC));
    const edges = [...graph.values()].reduce((n, e) => n + e.size, 0);
    expect(edges).toBeGreaterThan(500);
    expect(cyclesOf(graph)).toEqual([]);
  });
});
