/**
 * The gateway's own cap on upstream requests in flight (LLM_PROXY__UPSTREAM__MAX_CONNECTIONS):
 * past it a request waits in a queue bounded by LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S, then gets
 * 503 `overloaded`; /health and /metrics show the slots in use and the requests waiting.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { jsonResponse, readChunks, sseResponse, fixtureJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { heldUpstream, health, healthWhen } from '../helpers/held-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';

// Gateways and held requests: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

const chat = (stream = false) => JSON.stringify({ model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] });

async function metrics(gw: TestGateway) {
  return parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text()).samples;
}

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(maxConnections: number, queueTimeoutS: number) {
  const up = heldUpstream();
  const gw = await startGateway({
    env: {
      ...providerEnv('openai', `${up.fake.url}/v1`),
      LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: String(maxConnections),
      LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S: String(queueTimeoutS),
    },
  });
  cleanup.push(() => up.fake.close(), () => gw.close(), () => up.releaseAll());
  return { up, gw, fake: up.fake as FakeUpstream };
}

describe('upstream slots', () => {
  test('past the cap a request waits, then gets 503 overloaded with retry-after, logged with its wait', async () => {
    const { up, gw, fake } = await setup(2, 1);
    const first = [gw.fetch('/v1/chat/completions', { method: 'POST', body: chat() }), gw.fetch('/v1/chat/completions', { method: 'POST', body: chat(true) })];
    await up.held(2);
    const third = gw.fetch('/v1/chat/completions', { method: 'POST', body: chat() });

    // While it waits, /health and /metrics say so.
    const h = await healthWhen(gw, (x) => x.upstream.waiting === 1, 'one request waiting');
    expect(h.upstream).toMatchObject({ in_use: 2, waiting: 1, max_connections: 2, queue_timeout_s: 1 });
    expect(h.requests_in_flight).toBe(3);
    const m = await metrics(gw);
    expect(valueOf(m, 'gophergate_upstream_connections_in_use')).toBe(2);
    expect(valueOf(m, 'gophergate_upstream_requests_waiting')).toBe(1);
    expect(valueOf(m, 'gophergate_upstream_max_connections')).toBe(2);
    expect(valueOf(m, 'gophergate_requests_in_flight')).toBe(3);

    const res = await third;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = await res.json();
    expect(body.error).toEqual({ message: expect.stringContaining('limit of 2 upstream requests'), type: 'server_error', param: null, code: 'overloaded' });
    // It never reached the upstream.
    expect(fake.requests.length).toBe(2);
    // Error answers carry no x-request-id: the held two have not ended, so this is the only row.
    const [row] = await gw.waitForLogs(1);
    expect(row).toMatchObject({ status: 503, errorType: 'overloaded', provider: 'openai' });
    // It waited the whole queue timeout, and that wait is not the gateway's overhead.
    expect(row!.queueMs!).toBeGreaterThanOrEqual(1000);
    expect(row!.overheadMs).toBeLessThan(row!.queueMs!);

    up.releaseAll();
    const answers = await Promise.all(first);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await Promise.all(answers.map((r) => r.text()));
    const after = await healthWhen(gw, (x) => x.upstream.in_use === 0, 'slots given back');
    expect(after.upstream).toMatchObject({ in_use: 0, waiting: 0, refused: 1 });
    expect(valueOf(await metrics(gw), 'gophergate_upstream_overloaded_total')).toBe(1);
  });

  test('a waiting request gets the slot a finished one gives back; the header and the row keep the wait out of the overhead', async () => {
    const { up, gw } = await setup(1, 20);
    const first = gw.fetch('/v1/chat/completions', { method: 'POST', body: chat(true) });
    await up.held(1);
    const second = gw.fetch('/v1/chat/completions', { method: 'POST', body: chat() });
    await healthWhen(gw, (x) => x.upstream.waiting === 1, 'one request waiting');
    // Held long enough that the wait cannot be mistaken for the gateway's own time, even on a loaded machine.
    await Bun.sleep(1000);
    up.releaseOne();
    const streamed = await first;
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toContain('[DONE]');
    // The first stream's slot went to the second request only when the stream had been read to the end.
    await up.held(1);
    up.releaseOne();
    const res = await second;
    expect(res.status).toBe(200);
    await res.json();
    const rows = await gw.waitForLogs(2);
    const row = rows.find((r) => r.requestId === res.headers.get('x-request-id'))!;
    expect(row.status).toBe(200);
    expect(row.queueMs!).toBeGreaterThanOrEqual(1000);
    expect(Number(res.headers.get('x-gophergate-overhead-ms'))).toBeLessThan(row.queueMs!);
    expect(row.overheadMs).toBeLessThan(row.queueMs!);
    // The other row did not wait at all.
    expect(rows.find((r) => r.requestId === streamed.headers.get('x-request-id'))!.queueMs).toBe(0);

    const m = await metrics(gw);
    expect(valueOf(m, 'gophergate_upstream_queue_wait_seconds_count', { endpoint: 'chat' })).toBe(2);
    expect(valueOf(m, 'gophergate_upstream_queue_wait_seconds_sum', { endpoint: 'chat' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(m, 'gophergate_upstream_queue_wait_seconds_bucket', { endpoint: 'chat', le: '0.001' })).toBe(1);
    expect((await health(gw)).upstream).toMatchObject({ in_use: 0, waiting: 0, refused: 0 });
  });

  test('a client that leaves while waiting gives up its place: logged 499, nothing held', async () => {
    const { up, gw, fake } = await setup(1, 20);
    const first = gw.fetch('/v1/chat/completions', { method: 'POST', body: chat() });
    await up.held(1);
    const ac = new AbortController();
    const gone = gw.fetch('/v1/chat/completions', { method: 'POST', body: chat(), signal: ac.signal, headers: { 'x-request-id': 'ignored' } }).catch((e) => e);
    await healthWhen(gw, (x) => x.upstream.waiting === 1, 'one request waiting');
    ac.abort();
    await gone;
    await healthWhen(gw, (x) => x.upstream.waiting === 0, 'the waiter gone');
    const [row] = await gw.waitForLogs(1);
    expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request' });
    up.releaseOne();
    expect((await first).status).toBe(200);
    await healthWhen(gw, (x) => x.upstream.in_use === 0, 'slot given back');
    expect(fake.requests.length).toBe(1);
  });

  test('every slot comes back: JSON, streams, upstream error answers, a client leaving mid-stream', async () => {
    let mode: 'json' | 'stream' | 'error' | 'hang' = 'json';
    const fake = startFakeUpstream((_req, _rec, f) => {
      if (mode === 'error') return jsonResponse({ error: { message: 'bad request' } }, 400);
      if (mode === 'hang') return sseResponse(readChunks('openai', 'text.chunks.txt'), { hangAfter: 2, onAbort: () => f.noteAbort() });
      return mode === 'stream' ? sseResponse(readChunks('openai', 'text.chunks.txt')) : jsonResponse(fixtureJson('openai', 'chat.json'));
    });
    const gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '4' } });
    cleanup.push(() => fake.close(), () => gw.close());
    const call = (stream: boolean) => gw.fetch('/v1/chat/completions', { method: 'POST', body: chat(stream) });
    for (const m of ['json', 'stream', 'error'] as const) {
      mode = m;
      for (let i = 0; i < 6; i++) await (await call(m === 'stream')).text();
    }
    mode = 'hang';
    const ac = new AbortController();
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: chat(true), signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await fake.waitForAbort(1);
    const h = await healthWhen(gw, (x) => x.upstream.in_use === 0, 'every slot given back');
    expect(h.upstream).toMatchObject({ in_use: 0, waiting: 0, refused: 0 });
    // More calls than slots went through one after another: none was refused.
    expect(fake.requests.length).toBe(19);
  });
});

describe('many clients leaving the queue at once', () => {
  test('none of them reaches the upstream: a slot given back goes to a request whose client is still there', async () => {
    // A slot given back was handed at once to the next waiter, whose client had also hung up but
    // whose close Bun had not dispatched yet: it called the upstream, was aborted, handed its slot
    // to the next, and so on. 290 waiters leaving at once made 290 upstream calls, each a request
    // a provider may bill, for clients that were gone.
    const fake = startFakeUpstream((_req, rec) =>
      rec.body?.messages?.[0]?.content === 'canary' ? jsonResponse(fixtureJson('openai', 'chat.json')) : sseResponse(readChunks('openai', 'text.chunks.txt'), { hangAfter: 2 }),
    );
    const gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '10', LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S: '60' } });
    cleanup.push(() => fake.close(), () => gw.close());
    const port = Number(new URL(gw.url).port);
    const send = async (key: string, content: string) => {
      const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] });
      const sock = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data: () => {}, error: () => {} } });
      sock.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      return sock;
    };
    // Which close Bun dispatches first varies from one burst to the next: a few rounds.
    for (const round of [1, 2, 3]) {
      const own = gw.addClient(`leaves the queue ${round}`);
      const socks = [];
      for (let i = 0; i < 300; i++) socks.push(await send(own.key, `round ${round}`));
      await healthWhen(gw, (h) => h.upstream.in_use === 10 && h.upstream.waiting === 290, '10 in flight, 290 waiting');
      for (const s of socks) s.terminate();
      const rows = await gw.waitForClientRows(own.id, 300, 20_000);
      expect(new Set(rows.map((r) => `${r.status} ${r.errorType}`))).toEqual(new Set(['499 client_closed_request']));
      const h = await healthWhen(gw, (x) => x.upstream.in_use === 0 && x.upstream.waiting === 0 && x.requests_in_flight === 0, 'everything given back');
      expect(h.upstream.refused).toBe(0);
      // A request sent now reaches the upstream after any stray call of the burst would have.
      const canary = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'canary' }] }) });
      expect(canary.status).toBe(200);
      await canary.json();
      const reached = fake.requests.filter((r) => r.body?.messages?.[0]?.content === `round ${round}`).length;
      expect({ round, reached }).toEqual({ round, reached: 10 });
    }
    expect(valueOf(await metrics(gw), 'gophergate_upstream_requests_waiting')).toBe(0);
  });
});
