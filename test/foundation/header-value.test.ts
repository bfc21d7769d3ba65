/** headerValueCapped: a header value's bound holds for what is sent, percent-encoded, and never splits a character. */
import { expect, test } from 'bun:test';
import { headerValue, headerValueCapped } from '../../src/http/header-value';

test('ASCII under, at and over the bound', () => {
  expect(headerValueCapped('a'.repeat(12), 12)).toBe('a'.repeat(12));
  expect(headerValueCapped('a'.repeat(13), 12)).toBe(`${'a'.repeat(9)}...`);
});

test('non-ASCII counts as sent: each UTF-8 byte is three characters, and a cut keeps whole characters', () => {
  for (const s of ['é'.repeat(40), '证'.repeat(40), '😀'.repeat(40), `a%b${'\n'.repeat(30)}`, `x${'\ud800'.repeat(30)}`, 'ab证😀é'.repeat(20)]) {
    for (const max of [4, 10, 20, 64, 512]) {
      const out = headerValueCapped(s, max);
      expect(out.length).toBeLessThanOrEqual(max);
      if (headerValue(s).length <= max) expect(out).toBe(headerValue(s));
      else {
        expect(out).toEndWith('...');
        // Decodes (no broken UTF-8 sequence) to a prefix of the text.
        const text = decodeURIComponent(out.slice(0, -3));
        expect(s.replace(/[\ud800-\udfff]/gu, '\ufffd').startsWith(text)).toBe(true);
      }
    }
  }
});
