/** The repository's own documents point at files that exist, and the code points at no missing document. */
import { expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

test('README links the project ARCHITECTURE.md, and it exists', () => {
  expect(read('README.md')).toContain('](ARCHITECTURE.md)');
  expect(existsSync(join(ROOT, 'ARCHITECTURE.md'))).toBe(true);
});

test('every file ARCHITECTURE.md names exists (paths from the repository root or src/)', () => {
  const doc = read('ARCHITECTURE.md');
  const named = [...doc.matchAll(/[\w.-]+(?:\/[\w.-]+)+\.(?:tsx?|md|json)\b/g)].map((m) => m[0]);
  expect(named.length).toBeGreaterThan(20);
  const missing = named.filter((p) => !existsSync(join(ROOT, p)) && !existsSync(join(ROOT, 'src', p)));
  expect(missing).toEqual([]);
});

test('no source file refers to a markdown document the repository does not have', () => {
  const missing: string[] = [];
  for (const e of readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.tsx?$/.test(e.name)) continue;
    const text = readFileSync(join(e.parentPath, e.name), 'utf8');
    for (const m of text.matchAll(/\b([A-Z][A-Z_]+\.md)\b/g)) {
      if (!existsSync(join(ROOT, m[1]!))) missing.push(`${e.name}: ${m[1]}`);
    }
  }
  expect(missing).toEqual([]);
});

/** Where an error code is written in src: `code: '…'`, `badRequest(message, param, '…')`, `notFound(message, '…')`. */
const MESSAGE = String.raw`(?:\x60[^\x60]*\x60|'(?:[^'\\]|\\.)*'|[\w.]+)`;
const ARGUMENT = String.raw`(?:\x60[^\x60]*\x60|'[^']*'|null|[\w.]+)`;
const CODE_PATTERNS = [
  /\bcode: '([a-z][a-z0-9_]+)'/g,
  new RegExp(String.raw`\bbadRequest\(\s*${MESSAGE}\s*,\s*${ARGUMENT}\s*,\s*'([a-z][a-z0-9_]+)'`, 'g'),
  new RegExp(String.raw`\bnotFound\(\s*${MESSAGE}\s*,\s*'([a-z][a-z0-9_]+)'`, 'g'),
];

test('every error code the source can answer with is named in the README', () => {
  const readme = read('README.md');
  const codes = new Set<string>();
  for (const e of readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.tsx?$/.test(e.name)) continue;
    const text = readFileSync(join(e.parentPath, e.name), 'utf8');
    for (const re of CODE_PATTERNS) for (const m of text.matchAll(re)) codes.add(m[1]!);
  }
  // The three forms are all found (a refactor that hides codes from this test fails it).
  expect([...codes]).toEqual(expect.arrayContaining(['model_not_found', 'weak_password', 'team_not_found', 'client_not_found']));
  expect([...codes].filter((c) => !readme.includes(`\`${c}\``)).sort()).toEqual([]);
});
