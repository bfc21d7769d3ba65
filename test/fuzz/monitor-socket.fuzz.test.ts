/**
 * The live monitor's WebSocket (GET /api/monitor/ws) under hostile clients: a signed-in admin or
 * viewer sending what a browser never does (huge frames, binary frames, invalid UTF-8, floods,
 * JSON with hostile values, random bytes), and upgrades without a session. The socket only sends:
 * the gateway never crashes, holds no more than a small frame per socket, closes an abusive socket
 * with a code that says why (1009 too big, 1007 invalid UTF-8, 1008 flooding), and every other
 * viewer keeps receiving. Raw frames over TCP (a WebSocket client cannot send invalid UTF-8).
 * Fixed seed, bounded runs.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { LogRow } from '../../src/logging/log-row';
import type { BunMonitorHub } from '../../src/monitor/monitor-hub';
import { MAX_MONITOR_MESSAGE_BYTES } from '../../src/monitor/monitor-routes';
import { makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';
import { openMonitor } from '../helpers/monitor-socket';
import type { TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';
import { nastyValue, FUZZ_SEED, fuzzRuns } from './fuzz-http-kit';

setDefaultTimeout(30_000);
const RUNS = fuzzRuns(60);
const SEED = FUZZ_SEED;

let gw: TestGateway;
let admin: Session;
let viewer: Session;
useAdminGateway((s) => ({ gw, admin } = s));
beforeAll(async () => {
  viewer = await makeUser(gw, admin, 'monitor-fuzz-viewer', 'viewer');
});

const hub = () => gw.ctx.monitor as BunMonitorHub;

let seq = 0;
function record(): LogRow {
  return {
    createdAt: Date.now(), requestId: `ws-fuzz-${++seq}`, clientId: gw.clientId, endpoint: 'chat', modelRequested: 'gpt-4o', model: 'gpt-4o',
    provider: 'openai', route: 'gpt-4o', stream: false, status: 200, errorType: null, error: null, promptTokens: 1, cachedTokens: 0,
    completionTokens: 1, reasoningTokens: 0, estimated: false, costUsd: 0, latencyMs: 1, ttfbMs: 1, overheadMs: 1,
  };
}

/** A client frame (FIN set unless `fin` is false), masked as RFC 6455 requires of clients. */
function frame(opcode: number, payload: Uint8Array, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, 0x80 | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (len >= 126 && len < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}
const text = (s: string) => frame(1, Buffer.from(s));

/** A monitor socket upgraded by hand: what it was answered, and the close code the server sent (null: none yet). */
interface RawSocket {
  status: string;
  sock: net.Socket;
  closeCode: () => number | null;
  ended: () => boolean;
  send(b: Buffer): boolean;
}

async function rawMonitor(cookie: string | null): Promise<RawSocket> {
  const sock = net.connect(Number(new URL(gw.url).port), '127.0.0.1');
  sock.on('error', () => {});
  await new Promise((r) => sock.once('connect', r));
  sock.write(
    `GET /api/monitor/ws HTTP/1.1\r\nHost: ${new URL(gw.url).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}\r\n`,
  );
  let buf = Buffer.alloc(0);
  let status = '';
  let code: number | null = null;
  let ended = false;
  sock.on('close', () => (ended = true));
  await new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!status) {
        const at = buf.indexOf('\r\n\r\n');
        if (at < 0) return;
        status = buf.subarray(0, buf.indexOf('\r\n')).toString();
        buf = buf.subarray(at + 4);
        resolve();
      }
      // Server frames are not masked; only the close frame's code is read.
      while (buf.length >= 2) {
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) [len, off] = [buf.length >= 4 ? buf.readUInt16BE(2) : Infinity, 4];
        else if (len === 127) [len, off] = [buf.length >= 10 ? Number(buf.readBigUInt64BE(2)) : Infinity, 10];
        if (buf.length < off + len) break;
        if ((buf[0]! & 0x0f) === 8) code = len >= 2 ? buf.readUInt16BE(off) : 1005;
        buf = buf.subarray(off + len);
      }
    });
    sock.on('close', () => resolve());
  });
  return { status, sock, closeCode: () => code, ended: () => ended, send: (b) => !ended && sock.write(b) };
}

/** Every open monitor, a bystander's included, still gets a record published now. */
async function bystandersReceive(bystanders: { events: any[] }[]): Promise<void> {
  const r = record();
  hub().publish(r);
  await until(() => bystanders.every((b) => b.events.some((e) => e.request_id === r.requestId)));
}

describe('the monitor socket under hostile clients', () => {
  test('an upgrade without a session, or with a made-up one, is refused before the socket opens', async () => {
    for (const cookie of [null, 'gg_session=forged-session-id', `${admin.cookie}x`]) {
      const s = await rawMonitor(cookie);
      expect(s.status).toStartWith('HTTP/1.1 401');
      s.sock.destroy();
    }
  });

  test('a frame past the limit closes that socket with 1009; others keep receiving', async () => {
    const bystander = await openMonitor(gw, viewer);
    for (const size of [MAX_MONITOR_MESSAGE_BYTES + 1, 1024 * 1024, 64 * 1024 * 1024]) {
      const s = await rawMonitor(admin.cookie);
      expect(s.status).toBe('HTTP/1.1 101 Switching Protocols');
      if (size > 2 * 1024 * 1024) {
        // Only the header of a 64 MiB frame (length, mask key): the server must not wait to buffer it.
        const head = Buffer.alloc(14);
        head[0] = 0x82;
        head[1] = 0x80 | 127;
        head.writeBigUInt64BE(BigInt(size), 2);
        s.send(head);
      } else s.send(frame(1, Buffer.alloc(size, 0x61)));
      await until(() => s.ended());
      expect(s.closeCode()).toBe(1009);
    }
    await bystandersReceive([bystander]);
    bystander.close();
  });

  test('a text frame that is not UTF-8 closes that socket with 1007', async () => {
    const s = await rawMonitor(admin.cookie);
    s.send(frame(1, Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d])));
    await until(() => s.ended());
    expect(s.closeCode()).toBe(1007);
  });

  test('a flood of messages closes that socket with 1008; a viewer watching meanwhile receives every event', async () => {
    const bystander = await openMonitor(gw, viewer);
    const s = await rawMonitor(admin.cookie);
    const burst = Buffer.concat(Array.from({ length: 5000 }, (_, i) => (i % 2 ? frame(2, randomBytes(16)) : text('{"type":"ping"}'))));
    s.send(burst);
    await until(() => s.ended());
    expect(s.closeCode()).toBe(1008);
    await bystandersReceive([bystander]);
    bystander.close();
  });

  test('a few small messages (a client keep-alive) are ignored: the socket stays and receives', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { cookie: viewer.cookie, origin: gw.url } } as any);
    const events: any[] = [];
    let closed = false;
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data));
      if (m.type === 'request') events.push(m.data);
    };
    ws.onclose = () => (closed = true);
    await new Promise((r) => (ws.onopen = r));
    ws.send('ping');
    ws.send(new Uint8Array([1, 2, 3]));
    ws.send(JSON.stringify({ type: 'subscribe', topic: 'monitor' }));
    await bystandersReceive([{ events }]);
    expect(closed).toBe(false);
    ws.close();
  });

  test('hostile messages (fixed seed): the gateway answers, closes only with a stated code, no socket is left behind', async () => {
    const bystander = await openMonitor(gw, viewer);
    const before = hub().subscribers();
    const message = fc.oneof(
      nastyValue.map((v) => text(JSON.stringify(v) ?? 'null')),
      fc.string({ maxLength: 200 }).map(text),
      fc.uint8Array({ maxLength: 300 }).map((b) => frame(2, b)),
      fc.uint8Array({ maxLength: 300 }).map((b) => frame(1, b)),
      // fragments, pings, unknown opcodes, a reserved bit: protocol errors the server must refuse
      fc.uint8Array({ maxLength: 20 }).map((b) => frame(1, b, false)),
      fc.uint8Array({ maxLength: 20 }).map((b) => frame(9, b)),
      fc.constantFrom(3, 4, 5, 6, 7, 11, 12, 13, 14, 15).map((op) => frame(op, Buffer.from('x'))),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
    );
    const seen = new Set<number | null>();
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 30 }), fc.constantFrom('admin', 'viewer'), async (msgs, who) => {
        const s = await rawMonitor((who === 'admin' ? admin : viewer).cookie);
        expect(s.status).toBe('HTTP/1.1 101 Switching Protocols');
        for (const m of msgs) s.send(m);
        // Whatever it made of them, the gateway still answers and the bystander still receives.
        expect((await gw.fetch('/health')).status).toBeLessThan(500);
        await bystandersReceive([bystander]);
        s.sock.end();
        await until(() => s.ended());
        const code = s.closeCode();
        seen.add(code);
        // Closed by the server: with a code that says why (or the client ended it first: none).
        if (code !== null) expect([1002, 1003, 1007, 1008, 1009]).toContain(code);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The runs did meet the server's refusals, not only sockets the client ended.
    expect([...seen].some((c) => c !== null)).toBe(true);
    // Every socket the runs opened is gone: none left tracked, none counted against the sessions' caps.
    await until(() => hub().subscribers() === before);
    const again = await Promise.all(Array.from({ length: 8 }, () => openMonitor(gw, admin)));
    for (const a of again) a.close();
    bystander.close();
  });
});
