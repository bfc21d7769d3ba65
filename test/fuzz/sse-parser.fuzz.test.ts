/** Property tests of the incremental SSE parser: however the bytes are cut, the same events. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { SseParser, type SseEvent } from '../../src/providers/shared/sse-parser';

// Property runs are CPU-bound: several times slower on a loaded CI machine. A limit only bounds a
// hang.
setDefaultTimeout(30_000);

/** A field value: any text without line breaks (SSE cannot carry them inside a line). */
const value = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' '));
const eventArb = fc.record({ event: fc.option(value.filter((s) => s.length > 0 && !s.startsWith(' ')), { nil: null }), data: fc.array(value, { minLength: 1, maxLength: 3 }) });

function serialize(events: { event: string | null; data: string[] }[], eol: string[], comments: boolean[]): string {
  let out = '';
  events.forEach((e, i) => {
    const nl = eol[i % eol.length]!;
    if (comments[i % comments.length]) out += `: keep-alive${nl}`;
    if (e.event !== null) out += `event: ${e.event}${nl}`;
    for (const d of e.data) out += `data: ${d}${nl}`;
    out += nl;
  });
  return out;
}

function parseInPieces(text: string, cuts: number[]): SseEvent[] {
  const got: SseEvent[] = [];
  const p = new SseParser((e) => got.push(e));
  let from = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    p.push(text.slice(from, c));
    from = c;
  }
  p.push(text.slice(from));
  p.end();
  return got;
}

describe('SseParser', () => {
  test('arbitrary chunk boundaries give the same events as the whole text', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (events, eol, comments, rawCuts) => {
          const text = serialize(events, eol, comments);
          const expected = events.map((e) => ({ event: e.event, data: e.data.join('\n') }));
          const cuts = rawCuts.map((c) => c % (text.length + 1));
          expect(parseInPieces(text, [])).toEqual(expected);
          expect(parseInPieces(text, cuts)).toEqual(expected);
          // one character at a time, the worst case for a CRLF split across pushes
          expect(parseInPieces(text, [...text].map((_, i) => i))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('arbitrary text never throws, and cutting it anywhere changes nothing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), (text, rawCuts) => {
        const whole = parseInPieces(text, []);
        expect(parseInPieces(text, rawCuts.map((c) => c % (text.length + 1)))).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });
});
