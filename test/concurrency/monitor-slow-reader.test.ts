/**
 * A live monitor client that stops reading (a frozen tab, a stalled link) while requests keep
 * finishing: the gateway closes it once it is some 1 MiB of events behind, instead of buffering
 * up to Bun's 16 MiB for it (per socket, 8 sockets per session) and then dropping events silently.
 * A dashboard that keeps reading stays connected and receives every event.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import net from 'node:net';
import type { LogRow } from '../../src/logging/log-row';
import type { BunMonitorHub } from '../../src/monitor/monitor-hub';
import { useAdminGateway, type Session } from '../helpers/admin-harness';
import { openMonitor } from '../helpers/monitor-socket';
import type { TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

function record(n: number): LogRow {
  return {
    createdAt: Date.now(), requestId: `slow-reader-${n}`, clientId: gw.clientId, endpoint: 'chat',
    modelRequested: 'gpt-4o', model: 'gpt-4o', provider: 'openai', route: 'gpt-4o', stream: false, status: 502,
    // a long error: fewer events fill the socket's buffers (the monitor cuts it to 500 characters)
    errorType: 'upstream_error', error: 'e'.repeat(500), promptTokens: 10, cachedTokens: 0, completionTokens: 5, reasoningTokens: 0,
    estimated: false, costUsd: 0.0001, latencyMs: 12, ttfbMs: 5, overheadMs: 1,
  };
}

/** A monitor socket upgraded by hand that never reads after the handshake. */
async function stalledMonitor(): Promise<net.Socket> {
  const sock = net.connect(new URL(gw.url).port as unknown as number, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write(
    `GET /api/monitor/ws HTTP/1.1\r\nHost: ${new URL(gw.url).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: ${admin.cookie}\r\n\r\n`,
  );
  const head = await new Promise<string>((r) => sock.once('data', (d) => r(d.toString())));
  expect(head.split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
  sock.pause();
  sock.on('error', () => {});
  return sock;
}

test('a monitor client that stops reading is closed; one that reads gets every event', async () => {
  const hub = gw.ctx.monitor as BunMonitorHub;
  const reader = await openMonitor(gw, admin);
  const stalled = await stalledMonitor();
  await until(() => hub.subscribers() === 2);
  // ~1 KiB per event: 40 MiB at most, far past Bun's own 16 MiB per socket and the kernel's buffers.
  let sent = 0;
  while (hub.subscribers() === 2 && sent < 40_000) {
    for (let i = 0; i < 200; i++) hub.publish(record(sent++));
    // let the reading dashboard (same process) take what was sent
    await until(() => reader.events.length === sent);
  }
  await until(() => hub.subscribers() === 1);
  // the reader is the one left, and saw everything
  for (let i = 0; i < 10; i++) hub.publish(record(sent++));
  await until(() => reader.events.length === sent);
  expect(reader.events.at(-1).request_id).toBe(`slow-reader-${sent - 1}`);
  stalled.destroy();
  reader.close();
});
