/**
 * Heuristic regex rules with two unbounded repeats in a row that can trade characters
 * (`.*x.*y`, `[a-z]+[a-z]+1`): on a prompt that almost matches, the engine tries every split of
 * the 4 KB a rule reads, from every start (`.*x.*y` took 18 s of the one event loop, `.*a.*b.*c`
 * minutes), so any client could stall the gateway. Refused on save over the admin API, and one
 * stored before never runs; patterns whose repeats cannot trade are still taken and still match.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { api, login, type Session } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';
import { useRoutingFakes } from './routing-fakes';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useRoutingFakes(async (rig) => {
  gw = rig.gw;
  admin = await login(gw, 'admin', 'test-admin-password');
});

const TARGETS = ['grok-4.3', 'kimi-k2.6'];
const rulesOf = (pattern: string, flags?: string) => [{ name: 'r', kind: 'regex', pattern, ...(flags ? { flags } : {}), weight: 1 }];
const save = (name: string, pattern: string, flags?: string) =>
  api(gw, 'POST', '/api/groups', { as: admin, body: { name, strategy: 'heuristic', targets: TARGETS, settings: { rules: rulesOf(pattern, flags) } } });
const routeOf = async (model: string, content: string) =>
  (await gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse()).response.headers.get('x-gophergate-route');

const TRADING: [pattern: string, flags: string | undefined, matching: string][] = [
  ['.*x.*y', undefined, 'x then y'],
  ['[a-z]+[a-z]+1', undefined, 'ab1'],
  ['.*a.*b.*c', undefined, 'a b c'],
  ['foo.*bar.*baz', undefined, 'foo bar baz'],
  ['.+@.+\\..+', undefined, 'me@example.com'],
  ['.*\\n.*x', 's', 'a\nx'],
];

describe('a regex rule whose repeats trade characters', () => {
  test('is refused on save, naming the rule\'s pattern and how to write it instead', async () => {
    for (const [i, [pattern, flags]] of TRADING.entries()) {
      const r = await save(`trade-${i}`, pattern, flags);
      const body = (await r.json()) as any;
      expect([pattern, r.status]).toEqual([pattern, 400]);
      expect(body.error).toMatchObject({ code: 'invalid_group', param: 'settings.rules[0].pattern' });
      expect(body.error.message).toContain('two repeats in a row that can trade characters');
      expect((await api(gw, 'GET', `/api/groups/trade-${i}`, { as: admin })).status).toBe(404);
    }
  });

  test('one stored before the check never runs: a matching prompt stays on the first target', async () => {
    for (const [i, [pattern, flags, matching]] of TRADING.entries()) {
      const name = `trade-stored-${i}`;
      gw.ctx.db.insert(modelGroups).values({ name, strategy: 'heuristic', targets: TARGETS, settings: { rules: rulesOf(pattern, flags) }, updatedAt: Date.now() }).run();
      gw.ctx.state.reload();
      expect([pattern, await routeOf(name, matching)]).toEqual([pattern, `${name}>grok-4.3`]);
    }
    // The prompt that made `.*a.*b.*c` run for minutes is answered.
    expect(await routeOf('trade-stored-2', 'ab'.repeat(2048))).toBe('trade-stored-2>grok-4.3');
  });
});

describe('regex rules whose repeats cannot trade', () => {
  const FINE: [pattern: string, matching: string][] = [
    ['\\d+\\.\\d+', 'version 1.25'],
    ['.*foo.*', 'say foo now'],
    ['\\bselect\\b.+\\bfrom\\b', 'select a from b'],
    ['\\w+@\\w+\\.\\w+', 'me@example.com'],
    ['\\s*,\\s*x', 'a , x'],
  ];
  test('are saved and move a matching prompt to the strong target', async () => {
    for (const [i, [pattern, matching]] of FINE.entries()) {
      const r = await save(`fine-${i}`, pattern);
      expect([pattern, r.status]).toEqual([pattern, 201]);
      expect([pattern, await routeOf(`fine-${i}`, matching)]).toEqual([pattern, `fine-${i}>kimi-k2.6`]);
    }
  });
});

describe('a keyword with more than one * inside (each one a \\w* run that trades characters with the next)', () => {
  const words = (w: string[]) => ({ strategy: 'heuristic' as const, targets: TARGETS, settings: { rules: [{ name: 'k', kind: 'keywords', words: w, weight: 1 }] } });
  test('is refused on save; one stored before never runs; one * per word still works', async () => {
    const r = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'kw-trade', ...words(['debug', 'a*a*a*b']) } });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error).toMatchObject({ code: 'invalid_group', param: 'settings.rules[0].words', message: expect.stringContaining('a*a*a*b') });

    gw.ctx.db.insert(modelGroups).values({ name: 'kw-stored', ...words(['a*a*a*b']), updatedAt: Date.now() }).run();
    gw.ctx.state.reload();
    expect(await routeOf('kw-stored', 'aab')).toBe('kw-stored>grok-4.3');
    // 4 KB of one word: \ba\w*a\w*a\w*b\b would try every three-way split of it.
    expect(await routeOf('kw-stored', 'a'.repeat(4096))).toBe('kw-stored>grok-4.3');

    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'kw-fine', ...words(['optimi*e', 'debug*']) } })).status).toBe(201);
    expect(await routeOf('kw-fine', 'optimise this')).toBe('kw-fine>kimi-k2.6');
  });
});
