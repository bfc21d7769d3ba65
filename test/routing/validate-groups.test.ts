import { describe, expect, test } from 'bun:test';
import { seedGroupRows } from '../../src/db/seed/model-groups';
import { seedModelRows } from '../../src/db/seed/model-prices';
import { validateGroups } from '../../src/routing/validate-groups';
import type { GroupEntry } from '../../src/state/snapshot-types';
import { group } from './snapshot-fixture';

const MODELS = ['m', 'n'];
// The engine's own regex error text varies, so it is cut off after our part of the message.
const messages = (gs: GroupEntry[]) =>
  validateGroups(gs, MODELS).map((p) => `${p.group}: ${p.message.replace(/(regular expression): .*/, '$1')}`);
const chain = (n: number) => Array.from({ length: n }, (_, i) => group(`g${i + 1}`, [i + 1 < n ? `g${i + 2}` : 'm']));

describe('validateGroups', () => {
  test('the seeded groups are valid against the seeded models', () => {
    const models = seedModelRows(0).map((r) => r.id);
    const groups = seedGroupRows(0).map((r) => group(r.name, r.targets, { strategy: r.strategy, logicLevel: r.logicLevel ?? null, settings: r.settings ?? {} }));
    expect(validateGroups(groups, models)).toEqual([]);
  });

  const cases: { name: string; groups: GroupEntry[]; expected: string[] }[] = [
    { name: 'models, provider/model and groups are valid targets', groups: [group('a', ['m', 'openai/anything', 'b']), group('b', ['n'])], expected: [] },
    { name: 'unknown target', groups: [group('a', ['m', 'nope'])], expected: [`a: unknown target 'nope': not a model id, provider/model or group`] },
    { name: 'unknown provider prefix', groups: [group('a', ['acme/x'])], expected: [`a: unknown target 'acme/x': not a model id, provider/model or group`] },
    { name: 'no targets', groups: [group('a', [])], expected: ['a: a group needs at least one target'] },
    { name: 'self cycle', groups: [group('a', ['a'])], expected: ['a: cycle: a > a'] },
    { name: 'two-group cycle names it from each member', groups: [group('a', ['m', 'b']), group('b', ['a'])], expected: ['a: cycle: a > b > a', 'b: cycle: b > a > b'] },
    {
      name: 'three-group cycle below an entry group',
      groups: [group('top', ['x']), group('x', ['y']), group('y', ['z']), group('z', ['x'])],
      expected: ['x: cycle: x > y > z > x', 'y: cycle: y > z > x > y', 'z: cycle: z > x > y > z'],
    },
    { name: 'depth 10 is fine', groups: chain(10), expected: [] },
    { name: 'depth 11 is refused', groups: chain(11), expected: ['g1: nests 11 groups deep (g1 > g2 > g3 > g4 > g5 > g6 > g7 > g8 > g9 > g10 > g11); the limit is 10'] },
    { name: 'group shadowed by a model id', groups: [group('m', ['n'])], expected: [`m: group name 'm' is also a model id; the model would always win`] },
    { name: 'logic level out of range', groups: [group('a', ['m'], { logicLevel: 11 })], expected: ['a: logic_level must be an integer from 1 to 10'] },
    {
      name: 'classifier without a model',
      groups: [group('a', ['m', 'n'], { strategy: 'classifier' })],
      expected: ['a: settings.classifier_model is required for the classifier strategy'],
    },
    {
      name: 'classifier with bad scale and unknown model',
      groups: [group('a', ['m', 'n'], { strategy: 'classifier', settings: { classifier_model: 'ghost', scale_min: 5, scale_max: 5 } })],
      expected: [`a: classifier model 'ghost' is not a model id or provider/model`, 'a: settings.scale_min and scale_max must be integers with scale_min < scale_max'],
    },
    {
      name: 'malformed heuristic rules',
      groups: [group('a', ['m'], { settings: { rules: [{ kind: 'regex', pattern: '(' }, { kind: 'nope' }, { kind: 'keywords', words: 'debug' }] } })],
      expected: [
        'a: settings.rules[0].pattern is not a valid regular expression',
        'a: settings.rules[1].kind must be one of keywords, regex, code_block, min_chars, tools, min_messages',
        'a: settings.rules[2].words must be an array of strings',
      ],
    },
    {
      // A timer past 2^31 - 1 ms fires at once: such a classifier would always be abandoned.
      name: 'classifier timeout_ms over 10 minutes',
      groups: [group('a', ['m', 'n'], { strategy: 'classifier', settings: { classifier_model: 'm', timeout_ms: 1e12 } })],
      expected: ['a: settings.timeout_ms must be a positive number of at most 600000 (10 minutes)'],
    },
    {
      // Routing would never match these (a missing pattern would even compile as /undefined/).
      name: 'regex rule without a string pattern or with non-string flags',
      groups: [group('a', ['m'], { settings: { rules: [{ kind: 'regex' }, { kind: 'regex', pattern: 'x', flags: 1 }] } })],
      expected: ['a: settings.rules[0].pattern must be a string', 'a: settings.rules[1].flags must be a string'],
    },
    {
      name: 'regex rule nesting repetition',
      groups: [group('a', ['m'], { settings: { rules: [{ kind: 'regex', pattern: '(a+)+$' }] } })],
      expected: ['a: settings.rules[0].pattern repeats a part that itself repeats (such as (a+)+): a prompt could make it run for minutes; write it without the nesting'],
    },
  ];
  for (const c of cases) test(c.name, () => expect(messages(c.groups).sort()).toEqual([...c.expected].sort()));
});
