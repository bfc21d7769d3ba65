/** A /v1 request cannot hold a connection by not sending (or trickling) its body. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect, type Socket } from 'node:net';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(40_000);

let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { LLM_PROXY__SERVER__BODY_TIMEOUT_S: '1' } });

interface Raw {
  socket: Socket;
  /** Resolves with the status line's code once a response head arrived. */
  status: Promise<number>;
  /** Resolves with what was received once the server closed the connection. */
  closed: Promise<string>;
}

function open(key: string, contentLength: number): Raw {
  const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`,
  );
  let buf = '';
  let gotStatus: (n: number) => void;
  const status = new Promise<number>((r) => (gotStatus = r));
  socket.on('data', (d) => {
    buf += d;
    if (buf.includes('\r\n')) gotStatus(Number(buf.split(' ')[1]));
  });
  socket.on('error', () => {});
  const closed = new Promise<string>((r) => socket.on('close', () => r(buf)));
  return { socket, status, closed };
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, Bun.sleep(ms).then(() => { throw new Error(`${what} did not happen within ${ms} ms`); })]);

describe('slow or missing request bodies', () => {
  test('an unauthenticated request that never sends its declared body gets 401 and the connection is closed', async () => {
    const r = open('gg-wrong-key-0000000000000000000000000000', 1_000_000);
    expect(await within(r.status, 5_000, 'a response')).toBe(401);
    // Bun's socket idle limit (10 s) ends it: it is no longer lifted before the key is checked.
    await within(r.closed, 25_000, 'the server closing the connection');
    r.socket.destroy();
  });

  test('an authenticated body that trickles in is cut at the body deadline: 408, logged', async () => {
    const c = gw.addClient('trickle');
    const r = open(c.key, 1_000);
    const trickle = setInterval(() => r.socket.write(' '), 200);
    try {
      expect(await within(r.status, 10_000, 'a response')).toBe(408);
    } finally {
      clearInterval(trickle);
      r.socket.destroy();
    }
    const deadline = Date.now() + 5000;
    while (!gw.logs.some((l) => l.clientId === c.id) && Date.now() < deadline) await Bun.sleep(20);
    const rows = gw.logs.filter((l) => l.clientId === c.id);
    expect(rows.length).toBe(1);
    expect(rows[0]!).toMatchObject({ status: 408, errorType: 'request_timeout' });
  });
});
