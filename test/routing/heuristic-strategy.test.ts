import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { repeatsOverlappingChoice } from '../../src/routing/regex-choice-hazard';
import { repeatsTradeCharacters } from '../../src/routing/regex-repeat-chain-hazard';
import { chooseHeuristic, DEFAULT_HEURISTIC_RULES, keywordMatcher, nestsRepetition, rulesOf, type HeuristicRule } from '../../src/routing/heuristic-strategy';
import { routingTextOf } from '../../src/routing/routing-text';
import { textOf } from './snapshot-fixture';

const fence = '```';

describe('default rules', () => {
  const cases: { prompt: string; extra?: Record<string, unknown>; two: number; three: number; matched: string[] }[] = [
    { prompt: 'What is the capital of France?', two: 0, three: 0, matched: [] },
    { prompt: 'Classify this review as positive or negative: great!', two: 0, three: 0, matched: [] },
    { prompt: 'Can you debug this for me?', two: 1, three: 1, matched: ['coding task'] },
    { prompt: 'I am Debugging a crash', two: 1, three: 1, matched: ['coding task'] },
    { prompt: 'Please refactor the parser', two: 1, three: 1, matched: ['coding task'] },
    { prompt: 'Explain step by step how TCP works', two: 1, three: 2, matched: ['hard reasoning'] },
    { prompt: 'Prove that there are infinitely many primes', two: 1, three: 2, matched: ['hard reasoning'] },
    { prompt: 'Is there a race condition here?', two: 1, three: 2, matched: ['hard reasoning'] },
    { prompt: `Why does this fail?\n${fence}go\nfunc main() {}\n${fence}`, two: 1, three: 1, matched: ['code block'] },
    { prompt: `debug this:\n${fence}\nx\n${fence}`, two: 1, three: 2, matched: ['coding task', 'code block'] },
    { prompt: 'a'.repeat(4000), two: 1, three: 1, matched: ['long prompt'] },
    { prompt: 'a'.repeat(3999), two: 0, three: 0, matched: [] },
    { prompt: 'What time is it?', extra: { tools: [{ type: 'function', function: { name: 'now' } }] }, two: 1, three: 1, matched: ['tools present'] },
    { prompt: 'What time is it?', extra: { tools: [] }, two: 0, three: 0, matched: [] },
    // Whole words only: "proverb" is not "prove", "improved" is not "prove".
    { prompt: 'Tell me a proverb about improved roads', two: 0, three: 0, matched: [] },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.prompt.slice(0, 40)), () => {
      const t = textOf(c.prompt, c.extra);
      expect(chooseHeuristic(DEFAULT_HEURISTIC_RULES, t, 2).index).toBe(c.two);
      const three = chooseHeuristic(DEFAULT_HEURISTIC_RULES, t, 3);
      expect(three.index).toBe(c.three);
      expect(three.matched).toEqual(c.matched);
    });
  }
  test('a long conversation counts', () => {
    const messages = Array.from({ length: 20 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'ok' }));
    expect(chooseHeuristic(DEFAULT_HEURISTIC_RULES, routingTextOf({ messages }), 2).matched).toEqual(['long conversation']);
  });
  test('only the last user message carries keywords', () => {
    const t = routingTextOf({ messages: [{ role: 'system', content: 'You debug code.' }, { role: 'user', content: 'hi' }] });
    expect(chooseHeuristic(DEFAULT_HEURISTIC_RULES, t, 2).index).toBe(0);
  });
});

describe('rules as data', () => {
  const custom: HeuristicRule[] = [
    { name: 'sql', kind: 'regex', pattern: '\\bselect\\b.+\\bfrom\\b', flags: 'is', weight: 1 },
    { kind: 'keywords', words: ['optimi*e', 'big o'], weight: 0.5 },
    { kind: 'min_chars', chars: 10, weight: 3 },
  ];
  const cases = [
    { prompt: 'SELECT *\nFROM t', points: 4, index: 3, matched: ['sql', 'min_chars'] },
    { prompt: 'optimise', points: 0.5, index: 0, matched: ['keywords'] },
    { prompt: 'optimize big   O', points: 3.5, index: 3, matched: ['keywords', 'min_chars'] },
    { prompt: 'short', points: 0, index: 0, matched: [] },
  ];
  for (const c of cases) {
    test(c.prompt, () => {
      expect(chooseHeuristic(custom, textOf(c.prompt), 4)).toEqual({ index: c.index, points: c.points, matched: c.matched });
    });
  }
  test('points beyond the last target stay on the last target', () => {
    expect(chooseHeuristic([{ kind: 'tools', weight: 9 }], textOf('x', { tools: [{}] }), 3).index).toBe(2);
  });
  test('keywords that begin or end with a non-word character (c++, c#, .net) match as whole words', () => {
    const rules: HeuristicRule[] = [{ kind: 'keywords', words: ['c++', 'c#', '.net', 'f#*'] }];
    const hit = (prompt: string) => chooseHeuristic(rules, textOf(prompt), 2).index;
    for (const p of ['port this c++ class', 'C# please', 'an app on .NET.', 'ends with c++', 'f#-like']) expect([p, hit(p)]).toEqual([p, 1]);
    for (const p of ['c++11', 'abc# tag', 'asp.net', 'c#x', 'c', 'net']) expect([p, hit(p)]).toEqual([p, 0]);
  });
  test('a regex that nests repetition is told apart (catastrophic backtracking) and never runs', () => {
    for (const p of ['(a+)+$', '(\\w*\\s)*x', '(x{2,})+', '(?:ab+)*', '((a)+)+', '^(\\d+,)+$']) expect([p, nestsRepetition(p)]).toEqual([p, true]);
    for (const p of ['\\bselect\\b.+\\bfrom\\b', '(a|b)+', '[(+]+', '\\(a+\\)+', '(ab)?c+', '(a+)?', '(?<n>a+)b']) expect([p, nestsRepetition(p)]).toEqual([p, false]);
    // 40 characters that almost match would take (a+)+$ hours; it is not run at all.
    expect(chooseHeuristic([{ kind: 'regex', pattern: '(a+)+$' }], textOf(`${'a'.repeat(40)}!`), 2).index).toBe(0);
  });
  test('a regex that repeats a choice whose branches may start alike is told apart (2^n backtracking) and never runs', () => {
    for (const p of ['(a|a)*c', '^(a|aa)*$', '(\\w|\\d)+x', '(?:\\s|,)+', '(.|x)*', '(a?b|ab)+', '(|a)*', '((a)|b)+', '(?<n>x|x)+', '(a|b|a){2,}'])
      expect([p, repeatsOverlappingChoice(p)]).toEqual([p, true]);
    for (const p of ['(a|b)+', '(foo|bar)+!', '(?:https?|ftp)://', '(a|a)?', '(a|a){3}', '[(|)]+', '\\(a|a\\)+', '(?<=a|a)b+', '(x)+'])
      expect([p, repeatsOverlappingChoice(p)]).toEqual([p, false]);
    expect(chooseHeuristic([{ kind: 'regex', pattern: '^(a|aa)*$' }], textOf(`${'a'.repeat(60)}!`), 2).index).toBe(0);
    expect(chooseHeuristic([{ kind: 'regex', pattern: '(foo|bar)+!' }], textOf('foobar!'), 2).index).toBe(1);
  });
  test('a regex with two repeats in a row that can trade characters is told apart (polynomial backtracking) and never runs', () => {
    for (const p of ['.*x.*y', '.*.*=', '[a-z]+[a-z]+1', 'a+a+b', '.*foo.*$', '(?:.*a.*b)', 'x|.*a.*b', '.*?x.*?y', '.{2,}x.{3,}y', '[^,]*[^;]*!', '.*\\1.*x', '(ab)+.*c', '\\0*\\0*x'])
      expect([p, repeatsTradeCharacters(p)]).toEqual([p, true]);
    for (const p of ['\\bselect\\b.+\\bfrom\\b', '\\d+\\.\\d+', '.*foo.*', '\\s*,\\s*', '\\w+\\s+\\w+', '[a-z]+[0-9]+x', '.{2}.{3}x', 'a?a?a?b', '.*\\n.*x', '(foo|bar)+!', '\\k', '(?<n>a)\\k<n>'])
      expect([p, repeatsTradeCharacters(p)]).toEqual([p, false]);
    // The flags count: with `s`, `.` takes the newline between the repeats.
    expect(repeatsTradeCharacters('.*\\n.*x', 's')).toBe(true);
    expect(repeatsTradeCharacters('[a-z]+[A-Z]+1')).toBe(false);
    expect(repeatsTradeCharacters('[a-z]+[A-Z]+1', 'i')).toBe(true);
    // 4 KB that almost match would take .*a.*b.*c minutes; it is not run at all.
    expect(chooseHeuristic([{ kind: 'regex', pattern: '.*a.*b.*c' }], textOf('ab'.repeat(2048)), 2).index).toBe(0);
    expect(chooseHeuristic([{ kind: 'regex', pattern: '\\d+\\.\\d+' }], textOf('v1.2'), 2).index).toBe(1);
  });
  test('a keyword with more than one * inside never runs (its \\w* runs trade characters); one * still matches', () => {
    expect(keywordMatcher(['a*a*a*b', 're*fac*tor']).each).toEqual([]);
    expect(keywordMatcher(['optimi*e', 'debug*', '*ize', 'a*b*']).each.length).toBe(4);
  });
  test('an invalid regex never matches and never throws', () => {
    expect(chooseHeuristic([{ kind: 'regex', pattern: '(' }], textOf('((('), 2).index).toBe(0);
  });
  test('settings without rules use the defaults; an empty list disables the heuristic', () => {
    expect(rulesOf({})).toBe(DEFAULT_HEURISTIC_RULES);
    expect(chooseHeuristic(rulesOf({ rules: [] }), textOf('prove it step by step'), 3).index).toBe(0);
  });
});

describe('routingTextOf', () => {
  test('reads content parts, Responses input and instructions', () => {
    const chat = routingTextOf({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'here' }] },
      ],
      functions: [{ name: 'f' }],
    });
    expect(chat).toEqual({ lastUser: 'look\nhere', totalChars: 12, hasTools: true, messageCount: 2 });
    expect(routingTextOf({ input: 'hello', instructions: 'be brief' })).toEqual({ lastUser: 'hello', totalChars: 13, hasTools: false, messageCount: 1 });
    const items = routingTextOf({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'q' }] }, { type: 'function_call_output', output: 'r' }] });
    expect(items.lastUser).toBe('q');
    expect(items.totalChars).toBe(2); // a tool's output counts toward the length, as a chat tool message does
    // Anthropic's body: the top-level system counts; a user turn of only tool results is not the task, but its text counts.
    const claude = routingTextOf({
      system: [{ type: 'text', text: 'sys' }],
      messages: [
        { role: 'user', content: 'task' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'out' }] }] },
      ],
    });
    expect(claude).toEqual({ lastUser: 'task', totalChars: 10, hasTools: false, messageCount: 3 });
    expect(routingTextOf(null)).toEqual({ lastUser: '', totalChars: 0, hasTools: false, messageCount: 0 });
  });
});

describe('keyword matching, one regex per word or one alternation', () => {
  const defaults = DEFAULT_HEURISTIC_RULES.flatMap((r) => (r.kind === 'keywords' ? r.words : []));
  const piece = fc.oneof(fc.constantFrom(...defaults, 'Debugging', 'STEP  BY\tstep', 'proofs', 'optimise', 'x_debug', '-', ' ', '\n'), fc.string({ maxLength: 12 }));

  test('both find the same thing in any text (short texts take the alternation, long ones each word)', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.subarray(defaults, { minLength: 1 }), (pieces, words) => {
        const text = pieces.join('');
        const m = keywordMatcher(words);
        expect(m.any!.test(text)).toBe(m.each.some((re) => re.test(text)));
      }),
      { numRuns: 2000 },
    );
  });
});
