/**
 * resolveRoute reuses the walk of a heuristic group per snapshot (keyed by how the rule lists
 * scored the text). Whatever the order of requests, a decision must equal the one a fresh
 * snapshot (nothing cached) gives, open breakers included.
 */
import { expect, test } from 'bun:test';
import fc from 'fast-check';
import type { ProviderId } from '../../src/providers/types';
import { resolveRoute } from '../../src/routing/resolve-route';
import type { HeuristicRule } from '../../src/routing/heuristic-strategy';
import { group, makeSnapshot, model, textOf } from './snapshot-fixture';

const FRAGMENTS = ['hello', 'please debug this', 'prove it', 'step by step', '```js\nx()\n```', 'refactor', 'a'.repeat(4100), 'race condition'];
const REQUESTED = ['fast-flow', 'heavy-logic', 'standard-pro', 'openai-auto', 'nested', 'custom'];
const OPEN: [ProviderId, string][] = [['deepseek', 'deepseek-v4-flash'], ['openai', 'gpt-4o-mini'], ['moonshot', 'kimi-k2.6']];

// The seeded groups plus a nested group and one with its own rule list.
const customRules: HeuristicRule[] = [{ kind: 'keywords', words: ['hello'], weight: 1 }, { kind: 'min_messages', count: 2 }];
function snapshot() {
  const base = makeSnapshot();
  const groups = [...base.groups.values(), group('nested', ['fast-flow', 'heavy-logic', 'custom']), group('custom', ['gpt-4o-mini', 'gpt-4o', 'grok-4.3'], { settings: { rules: customRules } })];
  return makeSnapshot({ groups, models: [...base.models.values(), model('extra', 'openai')] });
}

function decide(snap: ReturnType<typeof makeSnapshot>, requested: string, prompt: string, open: number[]) {
  const closed = (p: ProviderId, m: string) => !open.some((i) => OPEN[i]![0] === p && OPEN[i]![1] === m);
  try {
    const d = resolveRoute(requested, textOf(prompt), snap, closed);
    return { targets: d.targets.map((t) => t.modelId), path: d.path, reason: d.reason, paths: d.targetPaths };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

test('cached walks give the same decisions as fresh ones, breakers included', () => {
  const shared = snapshot();
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          requested: fc.constantFrom(...REQUESTED),
          parts: fc.subarray(FRAGMENTS),
          open: fc.subarray([0, 1, 2]),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      (reqs) => {
        for (const r of reqs) {
          const prompt = r.parts.join(' ');
          expect(decide(shared, r.requested, prompt, r.open)).toEqual(decide(snapshot(), r.requested, prompt, r.open));
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('a decision from the cache still names the healthy target first', () => {
  const snap = snapshot();
  const first = decide(snap, 'openai-auto', 'hello', []);
  const withOpen = decide(snap, 'openai-auto', 'hello', [1]);
  expect(first.targets?.[0]).toBe('gpt-4o-mini');
  expect(withOpen.targets).toEqual(['gpt-4o']);
  expect(withOpen.reason).toContain('skipped open circuit: gpt-4o-mini');
});
