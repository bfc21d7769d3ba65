/**
 * A body over LLM_PROXY__SERVER__MAX_BODY_MB is answered with OpenAI's error JSON, whatever its
 * size: Bun's own cap (which answers a bare 413 with an empty body before the app runs) sits
 * above any Content-Length, and the app enforces the configured one.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

/** Sends a request head claiming `length` body bytes (only a few follow) and returns the raw answer. */
async function claimLength(port: number, path: string, length: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string; head: string }> {
  let raw = '';
  let closed!: () => void;
  const done = new Promise<void>((r) => (closed = r));
  const sock = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data: (_s, d) => void (raw += Buffer.from(d).toString()),
      close: () => closed(),
      error: () => closed(),
    },
  });
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  sock.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n{"model":"mock/echo","messages":[`);
  // The answer comes before the body: wait until it is whole.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const end = raw.indexOf('\r\n\r\n');
    const m = /content-length: (\d+)/i.exec(raw);
    if (end !== -1 && (m ? raw.length >= end + 4 + Number(m[1]) : /connection: close/i.test(raw))) break;
    await Promise.race([done, Bun.sleep(20)]);
  }
  sock.end();
  const end = raw.indexOf('\r\n\r\n');
  return { status: Number(raw.split(' ')[1]), head: raw.slice(0, end), body: raw.slice(end + 4) };
}

const expectOpenAI413 = (body: string) =>
  expect(JSON.parse(body)).toEqual({
    error: { message: expect.stringContaining('LLM_PROXY__SERVER__MAX_BODY_MB'), type: 'invalid_request_error', param: null, code: 'request_too_large' },
  });

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__SERVER__MAX_BODY_MB: '1', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

test('a Content-Length far above every cap (200 MB) on /v1: OpenAI 413 JSON, not Bun\'s empty 413', async () => {
  const r = await claimLength(Number(new URL(gw.url).port), '/v1/chat/completions', 200 * 1024 * 1024, { authorization: `Bearer ${gw.clientKey}` });
  expect(r.status).toBe(413);
  expectOpenAI413(r.body);
  // The unread body cannot be skipped: the connection is closed, not left waiting for it.
  expect(r.head).toMatch(/\r\nconnection: close/i);
});

test('the same on a route Elysia runs (the admin login): OpenAI 413 JSON before the body is read', async () => {
  const r = await claimLength(Number(new URL(gw.url).port), '/api/auth/login', 200 * 1024 * 1024);
  expect(r.status).toBe(413);
  expectOpenAI413(r.body);
});

test('a chunked body to a route Elysia runs is refused with 411 (it would be read whole)', async () => {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"username":"admin","password":"x"}'));
      c.close();
    },
  });
  // @ts-expect-error Bun/undici option for streaming request bodies
  const res = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' });
  expect(res.status).toBe(411);
  expect((await res.json()).error.code).toBe('length_required');
});

test('a /v1 POST with a trailing slash (served through Elysia) caps its own body as without it: chunked is served, too large is its 413, one row each', async () => {
  const chat = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
  const message = JSON.stringify({ model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  for (const [path, body] of [['/v1/chat/completions/', chat], ['/v1/messages/', message]] as const) {
    // Elysia's body limit answered a chunked body 411 (and an oversized one 413 without a row).
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
      body: new ReadableStream({ pull: (c) => (c.enqueue(new TextEncoder().encode(body)), c.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expect((await gw.waitForRow(res)).status).toBe(200);
    const r = await claimLength(Number(new URL(gw.url).port), path, 200 * 1024 * 1024, { authorization: `Bearer ${gw.clientKey}` });
    expect({ path, status: r.status }).toEqual({ path, status: 413 });
    if (path === '/v1/messages/') expect(JSON.parse(r.body)).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    else expectOpenAI413(r.body);
    const id = /x-request-id: (\S+)/i.exec(r.head)?.[1];
    expect({ path, row: id ? (await gw.waitForRow(id)).status : 'no id' }).toEqual({ path, row: 413 });
  }
});

test('the server process (bun src/main.ts): a 3 MB body (fetch sends its Content-Length) over a 1 MB cap gets OpenAI 413 JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-body-limit-'));
  let p: GatewayProcess | undefined;
  try {
    p = await startGatewayProcess({
      cwd: dir, dbPath: join(dir, 'gg.db'), adminPassword: 'body-limit-admin-pw',
      env: { LLM_PROXY__SERVER__MAX_BODY_MB: '1', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
    });
    // Before its key is checked, a /v1 body is refused only when the key is good; the login form
    // reads no key, so its body is what is judged (Bun's cap used to be the configured one + 1 MB).
    const big = JSON.stringify({ username: 'admin', password: 'x'.repeat(3 * 1024 * 1024) });
    const res = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expectOpenAI413(await res.text());
  } finally {
    p?.proc.kill('SIGTERM');
    await p?.proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bodies read before anyone signed in (the sign-in, the dashboard\'s forms) take at most 1 MB, whatever LLM_PROXY__SERVER__MAX_BODY_MB: 413 before the body is read', async () => {
  // Each took the whole 32 MB: 20 anonymous 30 MB posts to /api/auth/login grew the gateway by 1.2 GB.
  const wide = await startGateway();
  try {
    const port = Number(new URL(wide.url).port);
    for (const path of ['/api/auth/login', '/login', '/clients', '/logout']) {
      const r = await claimLength(port, path, 2 * 1024 * 1024);
      expect({ path, status: r.status }).toEqual({ path, status: 413 });
      expect(JSON.parse(r.body).error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large', message: expect.stringContaining('1 MB limit of the sign-in') });
      expect(r.head).toMatch(/\r\nconnection: close/i);
    }
    // The admin API checks the session before it reads: refused as unauthenticated, not for the size.
    expect((await claimLength(port, '/api/clients', 2 * 1024 * 1024)).status).toBe(401);
    // A sign-in of ordinary size is read as before.
    const res = await fetch(`${wide.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'test-admin-password' }) });
    expect(res.status).toBe(200);
  } finally {
    await wide.close();
  }
});
