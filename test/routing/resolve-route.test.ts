import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { resolveRoute, type ClassifierOutcome } from '../../src/routing/resolve-route';
import { allHealthy, group, makeSnapshot, model, textOf } from './snapshot-fixture';

const ids = (d: { targets: { modelId: string }[] }) => d.targets.map((t) => t.modelId);
const route = (d: { path: string[] }) => d.path.join('>');

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('concrete names', () => {
  const snap = makeSnapshot();
  test('a bare model id is one target, even with its breaker open', () => {
    const d = resolveRoute('gpt-4o', textOf('hi'), snap, () => false);
    expect(ids(d)).toEqual(['gpt-4o']);
    expect(d.targets[0]!.provider).toBe('openai');
    expect(d.path).toEqual(['gpt-4o']);
    expect(d.reason).toBe('concrete model');
  });
  test('provider/model passes through', () => {
    const d = resolveRoute('ollama/llama3', textOf('hi'), snap, allHealthy);
    expect(d.targets[0]).toMatchObject({ provider: 'ollama', upstreamModel: 'llama3', modelId: 'ollama/llama3' });
    expect(d.reason).toBe('provider pass-through');
  });
  test('an unknown name is 404 model_not_found', () => {
    const e = thrown(() => resolveRoute('no-such-thing', textOf('hi'), snap, allHealthy));
    expect(e.status).toBe(404);
    expect(e.code).toBe('model_not_found');
  });
});

describe('seeded groups', () => {
  const snap = makeSnapshot();
  const score = (n: number) => new Map<string, ClassifierOutcome>([['dispatcher', { score: n, cached: false }]]);
  const cases: { name: string; requested: string; prompt: string; scores?: Map<string, ClassifierOutcome>; route: string; order: string[] }[] = [
    { name: 'fast-flow, plain prompt', requested: 'fast-flow', prompt: 'What is the capital of France?', route: 'fast-flow>deepseek-v4-flash', order: ['deepseek-v4-flash', 'gpt-5.4-nano'] },
    { name: 'fast-flow, debugging prompt', requested: 'fast-flow', prompt: 'Help me debug this', route: 'fast-flow>gpt-5.4-nano', order: ['gpt-5.4-nano', 'deepseek-v4-flash'] },
    { name: 'heavy-logic, one signal', requested: 'heavy-logic', prompt: 'refactor this module', route: 'heavy-logic>kimi-k2.6', order: ['kimi-k2.6', 'deepseek-v4-pro', 'grok-4.3'] },
    { name: 'heavy-logic, strong signal', requested: 'heavy-logic', prompt: 'Prove that sqrt(2) is irrational', route: 'heavy-logic>deepseek-v4-pro', order: ['deepseek-v4-pro', 'kimi-k2.6', 'grok-4.3'] },
    {
      name: 'dispatcher, score 8 -> heavy-logic, then siblings, then other groups',
      requested: 'dispatcher', prompt: 'hello', scores: score(8), route: 'dispatcher>heavy-logic>grok-4.3',
      order: ['grok-4.3', 'kimi-k2.6', 'deepseek-v4-pro', 'gpt-5.4-mini', 'gemini-3-flash-preview', 'deepseek-v4-flash', 'gpt-5.4-nano'],
    },
    {
      name: 'dispatcher, score 5 -> standard-pro',
      requested: 'dispatcher', prompt: 'hello', scores: score(5), route: 'dispatcher>standard-pro>gpt-5.4-mini',
      order: ['gpt-5.4-mini', 'gemini-3-flash-preview', 'grok-4.3', 'kimi-k2.6', 'deepseek-v4-pro', 'deepseek-v4-flash', 'gpt-5.4-nano'],
    },
    {
      name: 'dispatcher, score 3 -> fast-flow, stronger groups follow',
      requested: 'dispatcher', prompt: 'hello', scores: score(3), route: 'dispatcher>fast-flow>deepseek-v4-flash',
      order: ['deepseek-v4-flash', 'gpt-5.4-nano', 'gpt-5.4-mini', 'gemini-3-flash-preview', 'grok-4.3', 'kimi-k2.6', 'deepseek-v4-pro'],
    },
    {
      name: 'dispatcher without a score uses the heuristic at both levels',
      requested: 'dispatcher', prompt: 'Prove this step by step', route: 'dispatcher>heavy-logic>deepseek-v4-pro',
      // Fallback groups run their own heuristic too, so their strong model comes first.
      order: ['deepseek-v4-pro', 'kimi-k2.6', 'grok-4.3', 'gemini-3-flash-preview', 'gpt-5.4-mini', 'gpt-5.4-nano', 'deepseek-v4-flash'],
    },
    { name: 'legacy openai-auto', requested: 'openai-auto', prompt: '```js\nx()\n```', route: 'openai-auto>gpt-4o', order: ['gpt-4o', 'gpt-4o-mini'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = resolveRoute(c.requested, textOf(c.prompt), snap, allHealthy, { scores: c.scores });
      expect(route(d)).toBe(c.route);
      expect(ids(d)).toEqual(c.order);
      expect(d.requested).toBe(c.requested);
    });
  }
  test('reasons name each group walked', () => {
    const d = resolveRoute('dispatcher', textOf('Prove it'), snap, allHealthy);
    expect(d.reason).toContain('dispatcher: classifier not run, heuristic: hard reasoning = 2 pt -> heavy-logic');
    expect(d.reason).toContain('heavy-logic: heuristic: hard reasoning = 2 pt -> deepseek-v4-pro');
    const s = resolveRoute('dispatcher', textOf('hello'), snap, allHealthy, { scores: score(9) });
    expect(s.reason).toContain('dispatcher: classifier score 9 on 1-10 -> heavy-logic');
    expect(s.reason).toContain('heavy-logic: heuristic: no rule matched -> grok-4.3');
  });
});

describe('health and availability', () => {
  const snap = makeSnapshot();
  const scores = new Map<string, ClassifierOutcome>([['dispatcher', { score: 10, cached: false }]]);
  test('open targets are skipped and the path follows the first healthy one', () => {
    const d = resolveRoute('dispatcher', textOf('hi'), snap, (p) => p !== 'grok', { scores });
    expect(route(d)).toBe('dispatcher>heavy-logic>kimi-k2.6');
    expect(ids(d)).not.toContain('grok-4.3');
    expect(d.reason).toContain('skipped open circuit: grok-4.3');
  });
  test('a per-model health answer skips only that model', () => {
    const d = resolveRoute('heavy-logic', textOf('prove it'), snap, (_p, m) => m !== 'deepseek-v4-pro');
    expect(ids(d)).toEqual(['kimi-k2.6', 'grok-4.3']);
  });
  test('when every target is open they are all returned (the proxy answers 503)', () => {
    const d = resolveRoute('fast-flow', textOf('hi'), snap, () => false);
    expect(ids(d)).toEqual(['deepseek-v4-flash', 'gpt-5.4-nano']);
    expect(d.reason).toContain('every target has an open circuit');
  });
  test('disabled providers and models are not candidates', () => {
    const s2 = makeSnapshot({ disabledProviders: ['grok'] });
    const d2 = resolveRoute('heavy-logic', textOf('hi'), s2, allHealthy);
    expect(ids(d2)).toEqual(['kimi-k2.6', 'deepseek-v4-pro']);
    // The reason names the pick and that it led nowhere, so it agrees with the route taken.
    expect(route(d2)).toBe('heavy-logic>kimi-k2.6');
    expect(d2.reason).toBe('heavy-logic: heuristic: no rule matched -> grok-4.3 (no enabled model there: next in fallback order)');
    // An enabled pick says nothing more.
    expect(resolveRoute('heavy-logic', textOf('hi'), makeSnapshot(), allHealthy).reason).toBe('heavy-logic: heuristic: no rule matched -> grok-4.3');
    const s3 = makeSnapshot({ models: [model('a', 'openai', false)], groups: [group('g', ['a', 'missing'])] });
    const e = thrown(() => resolveRoute('g', textOf('hi'), s3, allHealthy));
    expect(e.status).toBe(503);
    expect(e.code).toBe('no_available_target');
  });
  test('a model reached twice appears once', () => {
    const s = makeSnapshot({ models: [model('m', 'openai'), model('n', 'openai')], groups: [group('g', ['m', 'sub']), group('sub', ['m', 'n'])] });
    expect(ids(resolveRoute('g', textOf('hi'), s, allHealthy))).toEqual(['m', 'n']);
  });
});

describe('hierarchy limits', () => {
  const chain = (groups: number) => {
    const gs = Array.from({ length: groups }, (_, i) => group(`g${i + 1}`, [i + 1 < groups ? `g${i + 2}` : 'm']));
    return makeSnapshot({ models: [model('m', 'openai')], groups: gs });
  };
  const depthCases = [
    { groups: 1, ok: true },
    { groups: 9, ok: true },
    { groups: 10, ok: true },
    { groups: 11, ok: false },
    { groups: 15, ok: false },
  ];
  for (const c of depthCases) {
    test(`${c.groups} nested groups ${c.ok ? 'resolve' : 'are refused'}`, () => {
      const snap = chain(c.groups);
      if (c.ok) {
        const d = resolveRoute('g1', textOf('hi'), snap, allHealthy);
        expect(d.path.length).toBe(c.groups + 1);
        expect(d.path.at(-1)).toBe('m');
      } else {
        const e = thrown(() => resolveRoute('g1', textOf('hi'), snap, allHealthy));
        expect(e.code).toBe('group_depth_exceeded');
        expect(e.message).toContain('more than 10 groups');
      }
    });
  }
  const cycles = [
    { name: 'self', groups: [group('a', ['a'])], cycle: 'a > a' },
    { name: 'two groups', groups: [group('a', ['b']), group('b', ['a'])], cycle: 'a > b > a' },
    { name: 'three groups entered midway', groups: [group('top', ['a']), group('a', ['b']), group('b', ['c']), group('c', ['a'])], cycle: 'a > b > c > a' },
    { name: 'on a fallback branch', groups: [group('a', ['m', 'b']), group('b', ['a'])], cycle: 'a > b > a' },
  ];
  for (const c of cycles) {
    test(`a cycle is detected at run time: ${c.name}`, () => {
      const snap = makeSnapshot({ models: [model('m', 'openai')], groups: c.groups });
      const e = thrown(() => resolveRoute(c.groups[0]!.name, textOf('hi'), snap, allHealthy));
      expect(e.code).toBe('group_cycle');
      expect(e.message).toContain(`Model group cycle: ${c.cycle}`);
    });
  }
});
