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

describe('eventTransformer pass-through', () => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  /** Runs bytes cut at `cuts` through a translator that sends what `keep` keeps, unchanged or not. */
  function run(bytes: Uint8Array, cuts: number[], keep: (data: string) => 'same' | 'changed' | 'drop') {
    const { eventTransformer } = require('../../src/providers/shared/sse-event-stream') as typeof import('../../src/providers/shared/sse-event-stream');
    const tally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
    const t = eventTransformer(tally, (send) => ({
      event: ({ data }) => {
        const k = keep(data);
        if (k === 'same') send(data);
        else if (k === 'changed') send(`${data}!`);
      },
      end() {},
    }));
    const out: Uint8Array[] = [];
    const reads: Uint8Array[] = [];
    const ctl = { enqueue: (b: Uint8Array) => void out.push(b) } as unknown as TransformStreamDefaultController<Uint8Array>;
    let from = 0;
    for (const c of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
      const piece = bytes.subarray(from, c);
      from = c;
      reads.push(piece);
      t.transform!(piece, ctl);
    }
    t.flush!(ctl);
    return {
      text: out.map((b) => dec.decode(b)).join(''),
      passed: out.filter((b) => reads.includes(b)).length,
      // Pieces that are ranges of what came in (not text encoded again).
      ranges: out.filter((b) => b.buffer === bytes.buffer).length,
    };
  }

  // Mostly ASCII and mostly plain events, so reads that may pass through come up often.
  const ascii = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' '));
  const plainEventArb = fc.record({
    event: fc.option(ascii.filter((s) => s.length > 0 && !s.startsWith(' ')), { nil: null, freq: 5 }),
    data: fc.array(fc.oneof({ arbitrary: ascii, weight: 5 }, { arbitrary: value, weight: 1 }), { minLength: 1, maxLength: 2 }),
  });

  test('the bytes out are always the events sent, framed canonically, however the input was framed and cut', () => {
    fc.assert(
      fc.property(
        fc.array(plainEventArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom('\n', '\n', '\n', '\r\n', '\r'), { minLength: 1, maxLength: 2 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 2 }).map((cs) => cs.map((c, i) => c && i > 0)),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.constantFrom('same', 'same', 'mixed'),
        fc.array(fc.constantFrom('', 'nospace', 'blank'), { minLength: 1, maxLength: 4 }),
        (events, eol, comments, rawCuts, mode, odd) => {
          // Odd framings whose lengths can cancel out: `data:x` (one shorter) and a stray blank line (one longer).
          let text = serialize(events, eol, comments);
          odd.forEach((o, i) => {
            if (o === 'nospace') text = text.replace(`data: `, 'data:');
            if (o === 'blank' && i < text.length) text = text.replace(/\n\n/, '\n\n\n');
          });
          const bytes = enc.encode(text);
          const keep = (d: string) => (mode === 'same' ? 'same' : d.length % 3 === 0 ? 'drop' : d.length % 3 === 1 ? 'changed' : 'same');
          // What the parser reads (tested above) is what the translator sees.
          const expected = parseInPieces(text, []).map((e) => e.data).flatMap((d) => (keep(d) === 'drop' ? [] : [`data: ${keep(d) === 'same' ? d : `${d}!`}\n\n`]));
          const got = run(bytes, rawCuts.map((c) => c % (bytes.length + 1)), keep);
          expect(got.text).toBe(expected.join('') + 'data: [DONE]\n\n');
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('a read of canonical ASCII events sent unchanged goes out as the bytes that came in', () => {
    const text = ['{"a":1}', '{"b":"x y"}', ''].map((d) => `data: ${d}\n\n`).join('');
    const got = run(enc.encode(text), [], () => 'same');
    expect(got.passed).toBe(1);
    expect(got.text).toBe(text + 'data: [DONE]\n\n');
    // Not passed on: a comment, `data:` without its space, non-ASCII, a dropped or changed event.
    for (const [input, keep] of [
      [': ping\n\n' + text, 'same'],
      ['data:{"a":1}\n\n', 'same'],
      ['data: {"a":"é"}\n\n', 'same'],
      [text, 'drop'],
      [text, 'changed'],
    ] as const) expect(run(enc.encode(input), [], () => keep).passed).toBe(0);
  });

  test("a read whose events go out unchanged but for some dropped (the upstream's [DONE], a usage chunk the client did not ask for) sends the others as ranges of its bytes; a changed one is encoded between them", () => {
    const chunk = (i: number) => `data: {"i":${i}}\n\n`;
    const text = [0, 1, 2, 3].map(chunk).join('') + 'data: [DONE]\n\n';
    const dropped = run(enc.encode(text), [], (d) => (d === '[DONE]' || d === '{"i":2}' ? 'drop' : 'same'));
    expect(dropped.text).toBe(chunk(0) + chunk(1) + chunk(3) + 'data: [DONE]\n\n');
    // One piece for the read (0, 1 and 3 joined), one for the gateway's own [DONE].
    expect(dropped.passed).toBe(0);
    const alone = run(enc.encode(chunk(0) + chunk(1) + 'data: [DONE]\n\n'), [], (d) => (d === '[DONE]' ? 'drop' : 'same'));
    expect(alone.ranges).toBe(1);
    expect(alone.text).toBe(chunk(0) + chunk(1) + 'data: [DONE]\n\n');
    const changed = run(enc.encode(text), [], (d) => (d === '[DONE]' ? 'drop' : d === '{"i":1}' ? 'changed' : 'same'));
    expect(changed.text).toBe(chunk(0) + 'data: {"i":1}!\n\n' + chunk(2) + chunk(3) + 'data: [DONE]\n\n');
  });
});
