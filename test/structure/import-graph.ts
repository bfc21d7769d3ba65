/**
 * What the structure tests share: the source files of src/, the imports a file names (as Bun reads
 * them at run time, or every statement of its text, type-only ones included), and a search for
 * cycles in a graph of who imports whom.
 */
import { readdirSync, statSync } from 'node:fs';
import { resolve, join } from 'node:path';

export const SRC = resolve(import.meta.dir, '../../src');

/** Every .ts and .tsx file under `dir`, declaration files left out. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * The module named by every `import ... from '...'`, `import '...'`, `import type ... from '...'`
 * and `export ... from '...'` statement of a file's text, type-only ones included (a statement
 * starts a line; its names may span lines). Bun.Transpiler.scanImports erases type-only imports,
 * which still tie two files together for a reader, so the text is read instead.
 */
const IMPORT_STATEMENT = /^[ \t]*(?:import|export)\b(?:[^'";]*?\bfrom)?\s*['"]([^'"]+)['"]/gm;

export function importedPaths(text: string): string[] {
  return [...text.matchAll(IMPORT_STATEMENT)].map((m) => m[1]!);
}

const transpilers = {
  ts: new Bun.Transpiler({ loader: 'ts' }),
  tsx: new Bun.Transpiler({ loader: 'tsx' }),
};

/**
 * The modules a file imports at run time, as Bun reads them (type-only imports are erased). A
 * first line `#!/usr/bin/env bun` (main.ts) is left out: Bun skips it when it runs the file, but
 * scanImports does not.
 */
export function runTimeImportedPaths(file: string, text: string): string[] {
  const t = file.endsWith('.tsx') ? transpilers.tsx : transpilers.ts;
  return t.scanImports(text.replace(/^#!.*/, '')).map((imp) => imp.path);
}

/** Graph: node -> the nodes it imports, each with one example of the import that draws the edge. */
export type ImportGraph = Map<string, Map<string, string>>;

/** Every cycle found by a depth-first search, each as its nodes and the imports that close it. */
export function cyclesOf(graph: ImportGraph): string[] {
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
