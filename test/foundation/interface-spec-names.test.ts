/**
 * INTERFACE.md read as written (the shared spec beside the repository: `../shared/INTERFACE.md`,
 * /work/shared locally, the checkout's sibling `shared/` in CI), so a name added to it is checked
 * without a test naming it, and a rename in the code fails here. The interface-names-*.test.ts
 * files call the names literally and pin their meaning; admin/openapi-contract.test.ts holds the
 * OpenAPI document to the spec's routes and fields. Here, from the spec's own text:
 * - every environment variable (`<P>` and the `/ __X` abbreviations expanded) is read by loadConfig;
 * - every command-line spelling is a command, not an unknown option;
 * - every route is served (not only documented);
 * - every other backticked name (error types and codes, header, event, field, group, endpoint and
 *   provider names) occurs in src/, so a renamed one is caught before a user finds it.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli-args';
import { loadConfig } from '../../src/config/config';
import { servedOperations } from '../helpers/openapi-contract';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

const ROOT = join(import.meta.dir, '..', '..');
const INTERFACE = join(ROOT, '..', 'shared', 'INTERFACE.md');
const spec = existsSync(INTERFACE) ? readFileSync(INTERFACE, 'utf8') : '';
/** Every `…` span of the spec. */
const spans = [...spec.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

/** The variables the spec names: `<P>` as each listed provider, `A__B__C` / `__D` as `A__B__D`. */
function specVariables(): string[] {
  const providers = /one of `([A-Z ]+)`/.exec(spec)?.[1]!.split(' ') ?? [];
  const names = new Set<string>();
  for (const line of spec.split('\n')) {
    let last = '';
    for (const [, raw] of line.matchAll(/`((?:LLM_PROXY|[A-Z]+_API_KEY)[\w<>]*|__[A-Z_]+)(?:=[^`]*)?`/g)) {
      const full = raw!.startsWith('__') && last ? last.replace(/__[A-Z_]+$/, raw!.replace(/=.*/, '')) : raw!;
      if (!full.startsWith('__')) last = full;
      for (const p of full.includes('<P>') ? providers : ['']) names.add(full.replace('<P>', p));
    }
  }
  for (const [, list] of spec.matchAll(/`([A-Z]+_API_KEY)`((?:, `[A-Z]+_API_KEY`)+)/g)) for (const [, n] of list!.matchAll(/`(\w+)`/g)) names.add(n!);
  return [...names].filter((n) => !n.startsWith('__'));
}

describe.skipIf(!spec)('INTERFACE.md, read from ../shared', () => {
  test('every environment variable it names is read by loadConfig', () => {
    const names = specVariables();
    // The table and the sections below it: a broken extraction fails here, not by finding nothing.
    expect(names).toEqual(expect.arrayContaining(['LLM_PROXY__SERVER__PORT', 'LLM_PROXY__PROVIDERS__MOCK__ENABLED', 'LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL',
      'ANTHROPIC_API_KEY', 'GROK_API_KEY', 'LLM_PROXY__REDIS__PREFIX', 'LLM_PROXY__LIMITS__FAIL_MODE']));
    expect(names.length).toBeGreaterThan(45);
    const read = new Set<string>();
    loadConfig(new Proxy({} as Record<string, string | undefined>, { get: (_t, k) => (read.add(String(k)), undefined), has: (_t, k) => (read.add(String(k)), false) }));
    expect(names.filter((n) => !read.has(n))).toEqual([]);
  });

  test('every command-line spelling is a command', () => {
    // The section's spans (`./gophergate --version`, `-reset-admin`), and `./gophergate …` anywhere else.
    const section = /^## Command line\n([\s\S]*?)^## /m.exec(spec)?.[1] ?? '';
    const commands = [...[...section.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!), ...spans.filter((s) => s.startsWith('./gophergate '))];
    const flags = [...new Set(commands.flatMap((s) => [...s.matchAll(/(?:^|\s)(--?[a-z][a-z-]*)$/g)].map((m) => m[1]!)))];
    expect(flags).toEqual(expect.arrayContaining(['--reset-admin', '-reset-admin', '--version', '-version', '--help', '-help']));
    expect(flags.map((f) => [f, parseArgs([f]).kind]).filter(([, kind]) => kind === 'error' || kind === 'serve')).toEqual([]);
    expect(parseArgs([]).kind).toBe('serve');
  });
});

let gw: TestGateway;
useGateway((g) => (gw = g));

describe.skipIf(!spec)('INTERFACE.md routes and names', () => {
  test('every route it names is served', () => {
    const served = new Set(servedOperations(gw.ctx));
    const named = spans.flatMap((s) => {
      const m = /^((?:GET|POST|PUT|PATCH|DELETE)(?:\|(?:GET|POST|PUT|PATCH|DELETE))*) (\/[^\s?]*)/.exec(s);
      return m ? m[1]!.split('|').map((method) => `${method} ${m[2]}`) : [];
    });
    expect(named.length).toBeGreaterThan(35);
    expect(named.filter((op) => !served.has(op))).toEqual([]);
  });

  test('every other name it spells occurs in src/', () => {
    let source = '';
    for (const e of readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true }))
      if (e.isFile() && /\.tsx?$/.test(e.name)) source += readFileSync(join(e.parentPath, e.name), 'utf8');
    // Names (not values, paths or placeholders): `insufficient_quota`, `x-ratelimit-reset-requests`, `content_block_stop`, `heavy-logic`.
    const names = [...new Set(spans.flatMap((s) => s.split(/[|{},\s]+/)).filter((w) => /^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+$/.test(w)))];
    expect(names).toEqual(expect.arrayContaining(['concurrency_limit_exceeded', 'overloaded_error', 'x-ratelimit-reset-requests', 'message_delta', 'gemini-auto', 'count_tokens', 'cache_write_price']));
    expect(names.filter((n) => !source.includes(n))).toEqual([]);
  });
});
