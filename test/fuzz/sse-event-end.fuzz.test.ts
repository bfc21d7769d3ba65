/**
 * Property tests of lastEventEnd, which a byte-for-byte relay (the Responses and Anthropic
 * pass-throughs) uses to hand on the whole events of each upstream read: however the bytes are cut
 * into reads, what goes out is the stream unchanged, and every piece that goes out ends where the
 * stream can be cut without splitting an event (never inside one, nor between a CR and its LF).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { concatBytes } from '../../src/http/concat-bytes';
import { lastEventEnd } from '../../src/providers/shared/sse-event-end';
import { SseParser, type SseEvent } from '../../src/providers/shared/sse-parser';

setDefaultTimeout(30_000);

const value = fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' '));
const eventArb = fc.record({ event: fc.option(value.filter((s) => s.length > 0 && !s.startsWith(' ')), { nil: null }), data: fc.array(value, { minLength: 1, maxLength: 3 }) });
const eolArb = fc.constantFrom('\n', '\r\n', '\r');

function serialize(events: { event: string | null; data: string[] }[], eols: string[]): string {
  let out = '';
  let k = 0;
  let last = '';
  // An LF right after a CR line end would join it (one CRLF): then the CR again.
  const nl = () => (last = last === '\r' && eols[k % eols.length] === '\n' ? (k++, '\r') : eols[k++ % eols.length]!);
  for (const e of events) {
    if (e.event !== null) out += `event: ${e.event}${nl()}`;
    for (const d of e.data) out += `data: ${d}${nl()}`;
    out += nl();
  }
  return out;
}

function eventsOf(bytes: Uint8Array): SseEvent[] {
  const got: SseEvent[] = [];
  const parser = new SseParser((e) => got.push(e));
  parser.push(new TextDecoder().decode(bytes));
  parser.end();
  return got;
}

/** The relay's loop: per read, the whole events go out and the rest is held. */
function relay(bytes: Uint8Array, cuts: number[]): { out: Uint8Array[]; held: Uint8Array[] } {
  const out: Uint8Array[] = [];
  const held: Uint8Array[] = [];
  let from = 0;
  for (const c of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
    if (c <= from) continue;
    const read = bytes.subarray(from, c);
    from = c;
    const cut = lastEventEnd(held, read);
    if (cut < 0) {
      held.push(read);
      continue;
    }
    out.push(concatBytes([...held.splice(0), read.subarray(0, cut)]));
    if (cut < read.length) held.push(read.subarray(cut));
  }
  return { out, held };
}

describe('lastEventEnd', () => {
  test('the pieces handed on are the stream unchanged, each ending between events', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 8 }), fc.array(eolArb, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (events, eols, rawCuts) => {
        const bytes = new TextEncoder().encode(serialize(events, eols));
        const { out, held } = relay(bytes, rawCuts.map((c) => c % (bytes.length + 1)));
        expect(concatBytes([...out, ...held])).toEqual(bytes);
        // Cut where each piece ends, the stream parses to the same events as whole: no event was split.
        const all = eventsOf(bytes);
        let at = 0;
        for (const piece of out) {
          at += piece.length;
          expect([...eventsOf(bytes.subarray(0, at)), ...eventsOf(bytes.subarray(at))]).toEqual(all);
        }
        // Every whole event went out, unless the stream's last byte is a CR (an LF may yet follow it).
        if (bytes.at(-1) !== 13) expect(concatBytes(held).length).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  test('a read of whole events goes out whole; one that ends inside an event keeps that event back', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(lastEventEnd([], enc('data: a\n\ndata: b\n\n'))).toBe(18);
    expect(lastEventEnd([], enc('data: a\n\ndata: b'))).toBe(9);
    expect(lastEventEnd([], enc('data: a\r\n\r\ndata: b\r\n'))).toBe(11);
    // A CR at the end may be the first half of a CRLF: not taken as a line end yet.
    expect(lastEventEnd([], enc('data: a\r\n\r'))).toBe(-1);
    expect(lastEventEnd([enc('data: a\r\n\r')], enc('\ndata: b'))).toBe(1);
    expect(lastEventEnd([enc('data: a\n')], enc('\n'))).toBe(1);
    expect(lastEventEnd([], enc('data: a'))).toBe(-1);
    // A blank line begun two reads back.
    expect(lastEventEnd([enc('data: a\n'), enc('\r')], enc('\n'))).toBe(1);
  });
});
