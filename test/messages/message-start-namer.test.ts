/**
 * MessageStartNamer (answer-model.ts) holds the reads of the stream's first event until it is
 * whole. A read that cannot end it is only kept, not joined and scanned again with all held before
 * it (an endless first line would otherwise cost quadratic time); the rename is the same however
 * the event is cut, with LF, CRLF or CR line ends.
 */
import { describe, expect, test } from 'bun:test';
import { MessageStartNamer } from '../../src/providers/anthropic/answer-model';

const enc = new TextEncoder();
const dec = new TextDecoder();
const start = (nl: string) =>
  `: hello${nl}${nl}event: message_start${nl}data: {"type":"message_start","message":{"id":"m1","model":"claude-sonnet-4-5","usage":{}}}${nl}${nl}event: ping${nl}data: {"type":"ping"}${nl}${nl}`;

/** What the namer sends for `text` cut at `cuts`, and whether it finished. */
function run(text: string, cuts: number[]) {
  const namer = new MessageStartNamer('claude-team');
  let out = '';
  for (const [i, from] of [0, ...cuts].entries()) {
    out += dec.decode(namer.done ? enc.encode(text.slice(from, cuts[i])) : namer.take(enc.encode(text.slice(from, cuts[i]))));
  }
  return { out: out + dec.decode(namer.rest() ?? new Uint8Array(0)), done: namer.done };
}

describe('MessageStartNamer', () => {
  for (const [name, nl] of [['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']] as const) {
    test(`${name} line ends, cut in two at every place and byte by byte: the same rename`, () => {
      const text = start(nl);
      const want = text.replace('"model":"claude-sonnet-4-5"', '"model":"claude-team"');
      for (let at = 0; at <= text.length; at++) expect(run(text, [at])).toEqual({ out: want, done: true });
      expect(run(text, Array.from({ length: text.length }, (_, i) => i + 1))).toEqual({ out: want, done: true });
    });
  }

  test('a first line that never ends is held, sending nothing, in time linear in its length', () => {
    const namer = new MessageStartNamer('claude-team');
    const piece = enc.encode('x'.repeat(64 * 1024));
    expect(namer.take(enc.encode('event: message_start\ndata: {"a":"')).byteLength).toBe(0);
    // 1024 reads of 64 KiB (64 MiB, the SSE parser's cap): joined and rescanned on each, this took tens of seconds.
    for (let i = 0; i < 1024; i++) expect(namer.take(piece).byteLength).toBe(0);
    expect(namer.done).toBe(false);
    expect(namer.rest()!.byteLength).toBe(33 + 1024 * 64 * 1024);
  });
});
