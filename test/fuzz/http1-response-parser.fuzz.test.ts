import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { Http1ResponseParser, MAX_HEAD_BYTES, type ResponseHead } from '../../src/http/http1-response-parser';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `wire` cut at `cuts` and returns what the parser reported. */
function parse(wire: Uint8Array, cuts: number[] = [], close = false) {
  const got = { head: null as ResponseHead | null, body: '', ended: 0, error: null as string | null, keepAlive: true };
  const p = new Http1ResponseParser({
    head: (h) => void (got.head = h),
    body: (b) => void (got.body += dec.decode(b, { stream: true })),
    end: () => void got.ended++,
  });
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  try {
    for (const c of [...points, wire.length]) {
      if (c > at) p.push(wire.subarray(at, c));
      at = Math.max(at, c);
    }
    if (close) p.closed();
  } catch (e) {
    got.error = (e as Error).message;
  }
  got.keepAlive = p.keepAlive;
  return got;
}

/** `body` as chunked encoding, cut into chunks of the given sizes (the rest in one). */
function chunked(body: string, sizes: number[], ext = false): string {
  const bytes = enc.encode(body);
  let out = '';
  let at = 0;
  for (const s of [...sizes, bytes.length]) {
    const n = Math.min(s, bytes.length - at);
    if (n <= 0) continue;
    out += `${n.toString(16)}${ext ? ';name=value' : ''}\r\n${dec.decode(bytes.subarray(at, at + n))}\r\n`;
    at += n;
  }
  return `${out}0\r\n\r\n`;
}

describe('HTTP/1.1 response parser', () => {
  test('any body, chunked or with a length, cut anywhere, comes out whole, once, and the connection stays reusable', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary-ascii', maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        fc.boolean(),
        (body, sizes, cuts, useChunked, ext) => {
          const head = useChunked
            ? 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n'
            : `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: ${enc.encode(body).length}\r\n\r\n`;
          const wire = enc.encode(head + (useChunked ? chunked(body, sizes, ext) : body));
          const got = parse(wire, cuts);
          expect(got.error).toBeNull();
          expect(got.head?.status).toBe(200);
          expect(got.head?.headers).toContainEqual(['content-type', 'text/event-stream']);
          expect(got.body).toBe(body);
          expect(got.ended).toBe(1);
          expect(got.keepAlive).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('1xx heads are skipped, the status text and repeated headers are kept, names lower-cased', () => {
    const got = parse(enc.encode('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 2\r\n\r\n{}'), [5, 30]);
    expect(got.head).toEqual({ status: 429, statusText: 'Too Many Requests', headers: [['retry-after', '3'], ['x-a', '1'], ['x-a', '2'], ['content-length', '2']] });
    expect(got.body).toBe('{}');
  });

  test('a body without length runs to the close and the connection is not reused; connection: close is honoured', () => {
    const untilClose = parse(enc.encode('HTTP/1.1 200 OK\r\n\r\nall of it'), [20], true);
    expect([untilClose.body, untilClose.ended, untilClose.keepAlive]).toEqual(['all of it', 1, false]);
    const closing = parse(enc.encode('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'));
    expect([closing.body, closing.ended, closing.keepAlive]).toEqual(['ok', 1, false]);
    const http10 = parse(enc.encode('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    expect(http10.keepAlive).toBe(false);
  });

  test('204 and 304 have no body even with a length', () => {
    const got = parse(enc.encode('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n'));
    expect([got.head?.status, got.body, got.ended, got.keepAlive]).toEqual([204, '', 1, true]);
  });

  test('a cut body, a malformed head or chunk, and an oversized head are errors, never a short success', () => {
    expect(parse(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'), [], true).error).toMatch(/mid-body/);
    expect(parse(enc.encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'), [], true).error).toMatch(/mid-body/);
    expect(parse(enc.encode('HTTP/1.1 200'), [], true).error).toMatch(/before answering/);
    expect(parse(enc.encode('SMTP ready\r\n\r\n')).error).toMatch(/status line/);
    expect(parse(enc.encode('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n')).error).toMatch(/header line/);
    expect(parse(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab')).error).toMatch(/content-length/);
    expect(parse(enc.encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).error).toMatch(/chunked/);
    expect(parse(enc.encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX\r\n')).error).toMatch(/chunked/);
    expect(parse(enc.encode(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}`)).error).toMatch(/too large/);
  });

  test('bytes after a complete response make the connection not reusable', () => {
    const got = parse(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK'));
    expect([got.body, got.ended, got.keepAlive]).toEqual(['ok', 1, false]);
  });
});
