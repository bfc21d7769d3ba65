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

test('a name ARCHITECTURE.md writes in backticks right after a file (walk-targets.ts `failureKind`) is in that file', () => {
  const doc = read('ARCHITECTURE.md');
  const byName = new Map<string, string[]>();
  for (const e of readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true }))
    if (e.isFile()) byName.set(e.name, [...(byName.get(e.name) ?? []), join(e.parentPath, e.name)]);
  const pairs = [...doc.matchAll(/([\w/.-]+\.tsx?) `([A-Za-z_]\w*)(?:\(\))?`/g)].map((m) => [m[1]!, m[2]!] as const);
  expect(pairs.length).toBeGreaterThan(10);
  const wrong = pairs.filter(([file, name]) => {
    const candidates = [join(ROOT, file), join(ROOT, 'src', file)].filter((p) => existsSync(p));
    const paths = candidates.length ? candidates : file.includes('/') ? [] : (byName.get(file) ?? []);
    return !paths.some((p) => new RegExp(`\\b${name}\\b`).test(readFileSync(p, 'utf8')));
  });
  expect(wrong.map(([file, name]) => `${file} ${name}`)).toEqual([]);
});

test('every file README.md, SECURITY.md and docs/SCALING.md name under src/, test/, bench/, scripts/ or deploy/ exists', () => {
  const missing: string[] = [];
  for (const doc of ['README.md', 'SECURITY.md', 'docs/SCALING.md']) {
    const named = [...read(doc).matchAll(/\b(?:src|test|bench|scripts|deploy)\/[\w.\/-]+\.(?:tsx?|md|json|ya?ml|sh|conf)\b/g)].map((m) => m[0]);
    missing.push(...named.filter((p) => !existsSync(join(ROOT, p))).map((p) => `${doc}: ${p}`));
  }
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

/** README's "Errors and error codes" section, where a user looks a code up. */
function errorsSection(): string {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Errors and error codes\n');
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

function sourceTexts(): string[] {
  return readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
}

test("every error code the source can answer with is named in README's Errors and error codes section", () => {
  const section = errorsSection();
  const codes = new Set<string>();
  for (const text of sourceTexts()) for (const re of CODE_PATTERNS) for (const m of text.matchAll(re)) codes.add(m[1]!);
  // The three forms are all found (a refactor that hides codes from this test fails it).
  expect([...codes]).toEqual(expect.arrayContaining(['model_not_found', 'weak_password', 'team_not_found', 'client_not_found']));
  expect([...codes].filter((c) => !section.includes(`\`${c}\``)).sort()).toEqual([]);
});

test("every code of README's error table is written in the source (none documented that nothing gives)", () => {
  const section = errorsSection();
  const table = section.slice(section.indexOf('| code | status | when |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  const codes = rows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
  expect(codes.length).toBeGreaterThan(40);
  const source = sourceTexts().join('\n');
  // As a string literal (an upstream's own code, such as `unsupported_value`, is one the gateway compares with).
  expect(codes.filter((c) => !new RegExp(`['"\x60]${c}['"\x60]`).test(source))).toEqual([]);
});

test('every LLM_PROXY__ setting the source reads is in the README (by name, or its last part in an abbreviated row)', () => {
  const readme = read('README.md');
  const names = new Set<string>();
  for (const e of readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.tsx?$/.test(e.name)) continue;
    for (const m of readFileSync(join(e.parentPath, e.name), 'utf8').matchAll(/\bLLM_PROXY__[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(m[0]);
  }
  expect(names.size).toBeGreaterThan(20);
  const missing = [...names].filter((n) => !readme.includes(`\`${n}\``) && !readme.includes(`\`__${n.split('__').at(-1)}\``));
  expect(missing).toEqual([]);
});

test("the README's links, in-page anchors, `bun run` scripts and `bun <file>` commands exist", () => {
  const readme = read('README.md');
  const anchors = new Set(
    [...readme.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s/g, '-')),
  );
  const broken: string[] = [];
  for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^https?:/.test(target!)) continue;
    if (target!.startsWith('#')) {
      if (!anchors.has(target!.slice(1))) broken.push(target!);
    } else if (!existsSync(join(ROOT, target!))) broken.push(target!);
  }
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
  for (const [, script] of readme.matchAll(/`bun run ([\w:-]+)/g)) if (!scripts[script!] && script !== 'build') broken.push(`bun run ${script}`);
  if (!scripts.build) broken.push('bun run build');
  for (const [, file] of readme.matchAll(/`bun ([\w./-]+\.ts)\b/g)) if (!existsSync(join(ROOT, file!))) broken.push(`bun ${file}`);
  expect(broken).toEqual([]);
});
