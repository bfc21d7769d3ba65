/**
 * Routing resolves classifier scores first (nextUnscoredClassifier names the groups the chosen
 * path needs scored, in order), then walks the groups once with them (resolveRoute).
 */
import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import type { CallModel } from '../../src/routing/classifier-strategy';
import { nextUnscoredClassifier, resolveRoute, type ClassifierOutcome } from '../../src/routing/resolve-route';
import { routeRequest } from '../../src/routing/route-request';
import { ScoreCache } from '../../src/routing/score-cache';
import { allHealthy, group, makeSnapshot, model, textOf } from './snapshot-fixture';

const judge = { classifier_model: 'judge', scale_min: 1, scale_max: 2 };
const cls = (name: string, targets: string[]) => group(name, targets, { strategy: 'classifier', settings: judge });

function snapshot() {
  return makeSnapshot({
    models: [model('a', 'openai'), model('b', 'openai'), model('c', 'deepseek'), model('off', 'grok', false), model('judge', 'moonshot')],
    groups: [
      // A short prompt keeps the heuristic on its first target.
      group('plain', ['a', 'b']),
      group('cls-off-path', ['a', 'score-me']),
      group('dead-end-first', ['off', 'score-me']),
      cls('score-me', ['b', 'c']),
      cls('outer', ['inner-low', 'inner-high']),
      cls('inner-low', ['a', 'b']),
      cls('inner-high', ['b', 'c']),
    ],
  });
}

/** A classifier model that gives the listed answers in call order ('1' once they run out). */
function fakeJudge(answers: string[]) {
  const calls: string[] = [];
  const callModel: CallModel = async () => {
    const text = answers[calls.length] ?? '1';
    calls.push(text);
    return { text, usage: null };
  };
  return { calls, callModel };
}

describe('nextUnscoredClassifier', () => {
  const snap = snapshot();
  const none = new Map<string, ClassifierOutcome>();

  test('heuristic-only hierarchies and concrete names need no score', () => {
    const seeded = makeSnapshot();
    for (const name of ['fast-flow', 'heavy-logic', 'standard-pro', 'gpt-4o', 'openai/anything']) {
      expect(nextUnscoredClassifier(name, textOf('hello'), seeded, none)).toBeNull();
    }
    expect(nextUnscoredClassifier('plain', textOf('hello'), snap, none)).toBeNull();
  });

  test('a classifier group off the chosen path is not scored', () => {
    expect(nextUnscoredClassifier('cls-off-path', textOf('hello'), snap, none)).toBeNull();
  });

  test('a chosen target that leads nowhere puts the next one on the chosen path', () => {
    expect(nextUnscoredClassifier('dead-end-first', textOf('hello'), snap, none)?.name).toBe('score-me');
  });

  test('a nested classifier is asked for only once the outer score picks its branch', () => {
    expect(nextUnscoredClassifier('outer', textOf('x'), snap, none)?.name).toBe('outer');
    const high = new Map<string, ClassifierOutcome>([['outer', { score: 2, cached: false }]]);
    expect(nextUnscoredClassifier('outer', textOf('x'), snap, high)?.name).toBe('inner-high');
    const low = new Map<string, ClassifierOutcome>([['outer', { score: 1, cached: false }]]);
    expect(nextUnscoredClassifier('outer', textOf('x'), snap, low)?.name).toBe('inner-low');
    // A failed classifier falls back to its heuristic, which picks the first target.
    const failed = new Map<string, ClassifierOutcome>([['outer', { error: 'timeout' }]]);
    expect(nextUnscoredClassifier('outer', textOf('x'), snap, failed)?.name).toBe('inner-low');
    high.set('inner-high', { score: 2, cached: false });
    expect(nextUnscoredClassifier('outer', textOf('x'), snap, high)).toBeNull();
  });

  test('a classifier group with no enabled model behind it, or only one, is not scored', () => {
    const s = makeSnapshot({
      models: [model('a', 'openai'), model('off', 'grok', false), model('off2', 'grok', false), model('judge', 'moonshot')],
      groups: [cls('all-off', ['off', 'off2']), cls('one-left', ['off', 'a']), cls('same-twice', ['a', 'plain-a']), group('plain-a', ['a']), group('front', ['all-off', 'a'])],
    });
    for (const name of ['all-off', 'one-left', 'same-twice', 'front']) expect(nextUnscoredClassifier(name, textOf('x'), s, none)).toBeNull();
  });

  test('a group cycle is refused before any classifier is asked', () => {
    const s = makeSnapshot({ models: [model('judge', 'moonshot')], groups: [cls('x', ['y']), group('y', ['x'])] });
    const scored = new Map<string, ClassifierOutcome>([['x', { score: 1, cached: false }]]);
    expect(() => nextUnscoredClassifier('x', textOf('x'), s, scored)).toThrow(/cycle/);
  });
});

describe('routeRequest: scores first, then one walk', () => {
  test('no classifier call (nor its bill) when the score could not choose: no model left, or one', async () => {
    const s = makeSnapshot({
      models: [model('a', 'openai'), model('off', 'grok', false), model('off2', 'grok', false), model('judge', 'moonshot')],
      groups: [cls('all-off', ['off', 'off2']), cls('one-left', ['off', 'a'])],
    });
    const j = fakeJudge(['2']);
    const deps = { snap: s, health: allHealthy, callModel: j.callModel, cache: new ScoreCache() };
    await expect(routeRequest('all-off', { messages: [{ role: 'user', content: 'x' }] }, deps)).rejects.toMatchObject({ status: 503, code: 'no_available_target' });
    const r = await routeRequest('one-left', { messages: [{ role: 'user', content: 'x' }] }, deps);
    expect(r.decision.targets.map((t) => t.modelId)).toEqual(['a']);
    expect(j.calls).toEqual([]);
    expect(r.classifierCalls).toEqual([]);
  });

  test('asks only the chosen path and decides like resolveRoute given those scores', async () => {
    const snap = snapshot();
    const fake = fakeJudge(['2', '1']);
    const r = await routeRequest('outer', { messages: [{ role: 'user', content: 'x' }] }, { snap, health: allHealthy, callModel: fake.callModel, cache: new ScoreCache() });
    expect(r.classifierCalls.map((c) => c.group)).toEqual(['outer', 'inner-high']);
    expect(r.decision.path).toEqual(['outer', 'inner-high', 'b']);
    const scores = new Map<string, ClassifierOutcome>([
      ['outer', { score: 2, cached: false }],
      ['inner-high', { score: 1, cached: false }],
    ]);
    expect(resolveRoute('outer', textOf('x'), snap, allHealthy, { scores })).toEqual(r.decision);
  });

  test('any answers: every call was on the chosen path and the decision is the one walk with those scores', async () => {
    const snap = snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('plain', 'cls-off-path', 'dead-end-first', 'score-me', 'outer', 'inner-low'),
        fc.array(fc.constantFrom('1', '2', 'nonsense'), { maxLength: 3 }),
        async (requested, answers) => {
          const fake = fakeJudge(answers);
          const r = await routeRequest(requested, { messages: [{ role: 'user', content: 'x' }] }, { snap, health: allHealthy, callModel: fake.callModel, cache: new ScoreCache() });
          const scores = new Map<string, ClassifierOutcome>(
            r.classifierCalls.map((c) => [c.group, c.score === null ? { error: c.error! } : { score: c.score, cached: false }]),
          );
          expect(resolveRoute(requested, textOf('x'), snap, allHealthy, { scores })).toEqual(r.decision);
          expect(nextUnscoredClassifier(requested, textOf('x'), snap, scores)).toBeNull();
          // Every classifier group the decision names was scored.
          for (const name of r.decision.path) if (snap.groups.get(name)?.strategy === 'classifier') expect(scores.has(name)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
