/** A raw HTTP/1.1 streaming client on node:net for the backpressure suites: it can stop reading (sock.pause()). */
import net from 'node:net';
import type { TestGateway } from '../helpers/start-gateway';

/** Sends one POST with `body` to `path` and keeps every byte of the answer. */
export function rawStream(gw: TestGateway, key: string, path: string, body: string) {
  const sock = net.connect(Number(new URL(gw.url).port), '127.0.0.1');
  const parts: Buffer[] = [];
  let bytes = 0;
  /** The first bytes (the head and a frame or two) and the last ones, as text. */
  let head = '';
  let tail = '';
  sock.on('data', (d: Buffer) => {
    parts.push(d);
    bytes += d.length;
    if (head.length < 4096) head += d.toString('latin1', 0, 4096);
    tail = (tail + d.toString('latin1', Math.max(0, d.length - 64))).slice(-64);
  });
  sock.on('error', () => {});
  sock.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  return {
    sock,
    bytes: () => bytes,
    head: () => head,
    /** The last 64 bytes received. */
    tail: () => tail,
    all: () => Buffer.concat(parts),
    requestId: () => /x-request-id: ([\w-]+)\r\n/.exec(head)?.[1],
  };
}

/** The SSE text of a chunked HTTP answer (head dropped, chunk framing removed). */
export function chunkedBody(raw: Buffer): string {
  let at = raw.indexOf('\r\n\r\n') + 4;
  const out: Buffer[] = [];
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out).toString('utf8');
}

/** Waits until `value()` stopped changing for `polls` looks in a row (a limit only bounds a hang). */
export async function settles(value: () => number, polls = 5, stepMs = 100): Promise<number> {
  let last = -1;
  let same = 0;
  const end = Date.now() + 20_000;
  while (same < polls && Date.now() < end) {
    await Bun.sleep(stepMs);
    const v = value();
    same = v === last ? same + 1 : 0;
    last = v;
  }
  return last;
}

/** One connection to rawSseUpstream: bytes of body it wrote, whether it wrote its end, whether it closed. */
export interface RawUpstreamConn {
  written: number;
  finished: boolean;
  closed: boolean;
}

/**
 * An upstream on a raw socket: the first bytes of a request get a chunked `text/event-stream` 200,
 * then `respond` writes the body, one chunk per `piece` (false once the socket is full: wait for 'drain').
 */
export function rawSseUpstream(respond: (io: { sock: net.Socket; conn: RawUpstreamConn; piece(b: Uint8Array): boolean; request: string }) => void) {
  const conns: RawUpstreamConn[] = [];
  const server = net.createServer((sock) => {
    const conn: RawUpstreamConn = { written: 0, finished: false, closed: false };
    conns.push(conn);
    sock.on('error', () => {});
    sock.on('close', () => void (conn.closed = true));
    const piece = (b: Uint8Array) => {
      conn.written += b.length;
      sock.write(`${b.length.toString(16)}\r\n`);
      sock.write(b);
      return sock.write('\r\n');
    };
    sock.once('data', (d: Buffer) => {
      sock.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
      respond({ sock, conn, piece, request: d.toString('latin1') });
    });
  });
  const listening = new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, conns, listening, url: () => `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1` };
}
