import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import bpeRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import o200k, { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { countTextTokens } from '../../src/usage/count-text-tokens';
import { countO200kTokens, mergeRankOf } from '../../src/usage/o200k-counter';

// gpt-tokenizer is the oracle: its countTokens with special-token text allowed as plain text (by
// default it throws on '<|endoftext|>' and the like; the counter counts them as plain text).
const oracle = (text: string) => countTokens(text, { disallowedSpecial: new Set() });
const root = join(import.meta.dir, '../..');

test('every token of the vocabulary ranks as gpt-tokenizer ranks it, as bytes in a merge and as text whole', () => {
  const core = (o200k as unknown as { bytePairEncodingCoreProcessor: { getBpeRankFromBytes(b: Uint8Array): number | undefined } }).bytePairEncodingCoreProcessor;
  const ranks = bpeRanks as unknown as (string | number[])[];
  expect(ranks.length).toBe(199_998);
  const enc = new TextEncoder();
  const bad: string[] = [];
  ranks.forEach((token, r) => {
    const bytes = typeof token === 'string' ? enc.encode(token) : new Uint8Array(token);
    if (mergeRankOf(bytes) !== (core.getBpeRankFromBytes(bytes) ?? -1)) bad.push(`merge rank of ${r}`);
    if (typeof token === 'string' && countO200kTokens(token) !== oracle(token)) bad.push(`count of ${r} ${JSON.stringify(token)}`);
  });
  // The 9 tokens that begin with a byte-order mark are where a careless table differs.
  expect(bad).toEqual([]);
  expect(mergeRankOf(new Uint8Array([0xef, 0xbb, 0xbf]))).toBe(-1);
  expect(mergeRankOf(new Uint8Array([0xef, 0xbb, 0xbf, 0x23]))).toBe(mergeRankOf(new Uint8Array([0x23])));
  for (let b = 0; b < 256; b++) expect(mergeRankOf(new Uint8Array([b]))).toBeGreaterThanOrEqual(0);
});

const pieces = [
  ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', ' \n ', '\u00a0', '\u3000', "'re", "'S", "'ll", "'VE", "'d", "'", 'don', 'THEY', 'They',
  '0', '7', '123', '4567', '3.14', '1,000', 'the', 'The', ' quick', 'fox', 'naïve', 'e\u0301', '東京', '大学', '日本語の', 'テキスト',
  '한국어', '中文字符', 'Привет', 'мир', 'مرحبا', 'العالم', 'नमस्ते', 'สวัสดี', 'Ελληνικά', 'שלום', '🚀', '👨‍👩‍👧', '🇩🇪', '\uFEFF',
  '\u200d', '<|endoftext|>', '<|im_start|>', '<|fim_prefix|>', '//', '/*', '*/', '{', '}', '":', '=>', '();', '\\n', '__init__',
  'camelCase', 'snake_case', 'HTTPServer', 'x', 'xxxxxxxx', '....', '!!!', '$', '€', '\ud83d', '\ude80',
];
const mixed = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join(''));
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const texts: [string, fc.Arbitrary<string>][] = [
  ['ascii', fc.string({ unit: 'binary-ascii', maxLength: 200 })],
  ['printable ascii', fc.string({ maxLength: 200 })],
  ['full unicode', fc.string({ unit: 'binary', maxLength: 100 })],
  ['graphemes', fc.string({ unit: 'grapheme', maxLength: 60 })],
  ['UTF-16 code units, lone surrogates too', codeUnits],
  ['CJK', fc.string({ unit: fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCharCode(c)), maxLength: 100 })],
  ['whitespace and digits', fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '0', '1', '9', '\u00a0', '\u2028'), maxLength: 100 })],
  ['mixed scripts, contractions, emoji, special-token text', mixed],
];

for (const [name, arb] of texts) {
  test(`counts equal gpt-tokenizer's: ${name}`, () => {
    fc.assert(fc.property(arb, (text) => countO200kTokens(text) === oracle(text)), { numRuns: 1000 });
  });
}

test("counts equal gpt-tokenizer's on real texts: code, JSON, prose in several languages, long runs", () => {
  const files = ['src/usage/o200k-counter.ts', 'src/usage/token-counter.ts', 'package.json', 'README.md', 'ARCHITECTURE.md', 'tsconfig.json'];
  const real = files.map((f) => readFileSync(join(root, f), 'utf8'));
  real.push(
    JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Wie spät ist es in 東京?' }], temperature: 0.7, n: 12345 }, null, 2),
    'Le renard brun rapide saute par-dessus le chien paresseux. C’est l’été, n’est-ce pas ?',
    'Быстрая коричневая лиса перепрыгивает через ленивую собаку. Съешь же ещё этих мягких французских булок.',
    '敏捷的棕色狐狸跳过了懒狗。我们今天去公园散步吧，天气很好！東京都の天気は晴れです。',
    'الثعلب البني السريع يقفز فوق الكلب الكسول. नमस्ते दुनिया, आप कैसे हैं? 빠른 갈색 여우가 게으른 개를 뛰어넘는다.',
    'x'.repeat(3000), ' '.repeat(3000), '\n'.repeat(500) + 'end', 'ab'.repeat(1500), '9'.repeat(1000), '🚀'.repeat(500),
    'aGVsbG8gd29ybGQ='.repeat(100), '<|endoftext|>'.repeat(20), '\uFEFFusing System;\n\uFEFF\uFEFF#include',
  );
  for (const text of real) expect(countO200kTokens(text)).toBe(oracle(text));
});

test('countTextTokens still counts a long run without spaces in 128-character slices, and special-token text as plain text', () => {
  const text = `ab ${'x'.repeat(300)} cd`;
  // 'ab ' + 128 x, then 128 x, then the rest: where LONG_RUN's matches end.
  expect(countTextTokens(text)).toBe(oracle(text.slice(0, 131)) + oracle(text.slice(131, 259)) + oracle(text.slice(259)));
  const cjk = '東京'.repeat(100);
  expect(countTextTokens(cjk)).toBe(oracle(cjk.slice(0, 128)) + oracle(cjk.slice(128)));
  expect(countTextTokens('say <|endoftext|> now')).toBe(oracle('say <|endoftext|> now'));
  expect(countTextTokens('')).toBe(0);
});

test('countTextTokens counts a long run of whitespace in 128-character slices too (merging 192K characters of it whole took ~21 s)', () => {
  const text = `a${'\n \t'.repeat(100)}b`;
  // 'a' + 127 whitespace (where the first 128-run ends), then 128, then the rest.
  expect(countTextTokens(text)).toBe(oracle(text.slice(0, 129)) + oracle(text.slice(129, 257)) + oracle(text.slice(257)));
  const spaces = ' '.repeat(300);
  expect(countTextTokens(spaces)).toBe(oracle(spaces.slice(0, 128)) + oracle(spaces.slice(128, 256)) + oracle(spaces.slice(256)));
});
