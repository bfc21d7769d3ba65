/**
 * README's configuration table and the settings loadConfig reads are the same list: a setting
 * missing from the table is one users cannot find, a row the gateway does not read is one that
 * silently does nothing.
 */
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingNames } from '../../src/config/unknown-settings';
import { PROVIDER_IDS } from '../../src/providers/types';

const README = readFileSync(join(import.meta.dir, '..', '..', 'README.md'), 'utf8');

/** The rows of the table under "## Configuration" ("| variable | what it does | default |"). */
function configurationRows(readme: string): string[][] {
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const start = section.indexOf('| variable |');
  const lines = section.slice(start).split('\n');
  const rows: string[][] = [];
  for (const line of lines.slice(2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

/**
 * The variables one row's first cell names: `LLM_PROXY__A__B`, then `__C` for `LLM_PROXY__A__C`;
 * `<P>` stands for every provider; a plain `OPENAI_API_KEY` is itself.
 */
function namesOf(cell: string): string[] {
  const names: string[] = [];
  let prefix = '';
  for (const [, token] of cell.matchAll(/`([^`]+)`/g)) {
    const full = token!.startsWith('__') ? prefix + token!.slice(2) : token!;
    if (full.startsWith('LLM_PROXY__')) prefix = full.slice(0, full.lastIndexOf('__') + 2);
    if (full.includes('<P>')) for (const id of PROVIDER_IDS) names.push(full.replace('<P>', id.toUpperCase()));
    else names.push(full);
  }
  return names;
}

const rows = configurationRows(README);
const documented = new Set(rows.flatMap((r) => namesOf(r[0]!)));
/** What the gateway reads as a setting: its own names and the providers' `<P>_API_KEY` (not a proxy variable it only looks at). */
const read = new Set([...settingNames()].filter((n) => n.startsWith('LLM_PROXY__') || n.endsWith('_API_KEY')));

test('the table is found and read (a README edit that hides it fails here, not silently)', () => {
  expect(rows.length).toBeGreaterThan(20);
  expect(rows.every((r) => r.length === 3)).toBe(true);
  expect(documented).toContain('LLM_PROXY__SERVER__PORT');
  expect(documented).toContain('LLM_PROXY__PROVIDERS__MOCK__CHUNKS');
  expect(documented).toContain('LLM_PROXY__PROVIDERS__OLLAMA__MODELS');
  expect(read).toContain('LLM_PROXY__SERVER__PORT');
  expect(read).toContain('OPENAI_API_KEY');
});

test('every setting the gateway reads is in the configuration table', () => {
  expect([...read].filter((n) => !documented.has(n)).sort()).toEqual([]);
});

test('every variable in the configuration table is one the gateway reads', () => {
  expect([...documented].filter((n) => !read.has(n)).sort()).toEqual([]);
});

test("the table's provider list is the gateway's", () => {
  const row = rows.find((r) => r[0]!.includes('<P>'))!;
  const listed = row[1]!.match(/\(`([A-Z ]+)`/)![1]!.split(' ');
  // `anthropic` has its own row above it.
  expect([...listed, 'ANTHROPIC'].sort()).toEqual(PROVIDER_IDS.map((id) => id.toUpperCase()).sort());
});
