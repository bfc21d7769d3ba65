/** Every package the code imports is declared in package.json (not only present because another package pulls it in). */
import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pkg from '../../package.json';

const ROOT = join(import.meta.dir, '..', '..');
const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

test('every bare import in src/, scripts/, bench/ and test/ names a declared dependency', () => {
  const undeclared = new Set<string>();
  for (const dir of ['src', 'scripts', 'bench', 'test']) {
    for (const e of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      const loader = /\.tsx$/.test(e.name) ? 'tsx' : /\.ts$/.test(e.name) ? 'ts' : null;
      if (!e.isFile() || !loader) continue;
      const file = join(e.parentPath, e.name);
      for (const i of new Bun.Transpiler({ loader }).scanImports(readFileSync(file, 'utf8').replace(/^#!.*/, ''))) {
        if (/^(\.|\/|bun:|node:|bun$)/.test(i.path)) continue;
        // The scanner assumes React's JSX runtime; the project's is tsconfig's jsxImportSource.
        if (/^react(\/jsx-(dev-)?runtime)?$/.test(i.path) && i.kind === 'require-call') continue;
        const name = packageOf(i.path);
        if (!declared.has(name)) undeclared.add(`${name} (${file.slice(ROOT.length + 1)})`);
      }
    }
  }
  expect([...undeclared]).toEqual([]);
});
