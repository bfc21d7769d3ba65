/**
 * An image request is timed by the request's one clock, the /v1 prelude's (api/openai-request.ts),
 * as chat and embeddings requests are: started when the request arrived, so its row's created_at,
 * latency and overhead count the body read, the key check and the admission, and the answer's
 * x-gophergate-overhead-ms is the row's overhead_ms. (generateImages started a clock of its own
 * once the body was read: a slow upload was missing from its row.) The body here is sent in two
 * parts with a pause between them, over a raw socket, so the clock's start is known to precede the
 * last part.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { fixtureText, rawJsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const openai = startFakeUpstream(async (_req, s) =>
  s.path === '/v1/images/generations' ? rawJsonResponse(await fixtureText('images', 'openai-dalle3-url.json')) : new Response('no', { status: 500 }),
);
let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    env: { ...providerEnv('openai', `${openai.url}/v1`, { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test' }), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
  });
});
afterAll(async () => {
  await gw?.close();
  openai.close();
});

/**
 * POSTs `body` over a raw socket: the headers and the body's first half, a pause, then the rest.
 * `lastPartAt`: Date.now() just before the rest was written (the gateway cannot have read the
 * whole body before it).
 */
async function slowPost(path: string, body: unknown, pauseMs: number): Promise<{ status: number; headers: Headers; lastPartAt: number }> {
  const url = new URL(gw.url);
  const text = Buffer.from(JSON.stringify(body));
  const half = Math.floor(text.length / 2);
  let received = '';
  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  const socket = await Bun.connect({
    hostname: url.hostname,
    port: Number(url.port),
    socket: { data: (_s, d) => void (received += d.toString('latin1')), close: () => closed(), error: () => closed() },
  });
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: Bearer ${gw.clientKey}\r\ncontent-type: application/json\r\n` +
      `content-length: ${text.length}\r\nconnection: close\r\n\r\n`,
  );
  socket.write(text.subarray(0, half));
  socket.flush();
  await Bun.sleep(pauseMs);
  const lastPartAt = Date.now();
  socket.write(text.subarray(half));
  socket.flush();
  await done;
  const [head] = received.split('\r\n\r\n');
  const [statusLine, ...lines] = head!.split('\r\n');
  const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
  return { status: Number(statusLine!.split(' ')[1]), headers, lastPartAt };
}

const CASES = [
  { endpoint: 'chat', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: [{ role: 'user', content: 'a slow upload' }] } },
  { endpoint: 'embeddings', path: '/v1/embeddings', body: { model: 'mock/embed', input: 'a slow upload' } },
  { endpoint: 'images', path: '/v1/images/generations', body: { model: 'dall-e-3', prompt: 'a slow upload of a red fox' } },
] as const;

for (const c of CASES) {
  test(`${c.endpoint}: the row's clock started when the request arrived; overhead in the answer and the row alike`, async () => {
    const res = await slowPost(c.path, c.body, 300);
    expect(res.status).toBe(200);
    const overheadHeader = res.headers.get('x-gophergate-overhead-ms');
    expect(overheadHeader).toMatch(/^\d+(\.\d+)?$/);
    const row = await gw.waitForRow(res.headers.get('x-request-id')!);
    expect(row.endpoint).toBe(c.endpoint);
    expect(row.status).toBe(200);
    // The clock was running before the body's last part was sent (the prelude's), and the row's
    // latency counts the wait for it.
    expect(row.createdAt).toBeLessThanOrEqual(res.lastPartAt);
    expect(row.latencyMs).toBeGreaterThanOrEqual(res.lastPartAt - row.createdAt - 1);
    expect(row.overheadMs).toBe(Number(overheadHeader));
    expect(row.overheadMs).toBeLessThanOrEqual(row.latencyMs);
    expect(row.queueMs).toBe(0);
  });
}
