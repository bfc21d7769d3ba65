/**
 * Every status the gateway answers on /v1 (400, 401, 403, 404, 408, 413, 429, 500, 502, 503,
 * 504), provoked the way a client or an upstream would, has OpenAI's error body: the JSON
 * validates by Ajv against OpenAI's ErrorResponse (message, type, param, code; nulls only where
 * the spec allows them), and so does the error event that ends a stream that failed mid-way.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect } from 'node:net';
import { eq } from 'drizzle-orm';
import { clients, modelGroups } from '../../src/db/schema';
import { jsonResponse, replay, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let fake: FakeUpstream;
let gw: TestGateway;
let allowList: string;
let oneAMinute: string;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
      LLM_PROXY__SERVER__MAX_BODY_MB: '0.01',
      LLM_PROXY__SERVER__BODY_TIMEOUT_S: '1',
      LLM_PROXY__UPSTREAM__TIMEOUT_S: '0.3',
    },
  });
  const now = Date.now();
  const group = (name: string, targets: string[]) => ({ name, strategy: 'heuristic' as const, targets, logicLevel: null, primaryUse: 'errors test', settings: {}, updatedAt: now });
  // A cycle (500 group_cycle), and a group whose only target's provider is off (503 no_available_target).
  gw.ctx.db.insert(modelGroups).values([group('loop-a', ['loop-b']), group('loop-b', ['loop-a']), group('nothing-on', ['claude-sonnet-4-5'])]).run();
  const a = gw.addClient('allow-list');
  gw.ctx.db.update(clients).set({ models: ['mock/echo'] }).where(eq(clients.id, a.id)).run();
  const r = gw.addClient('one-a-minute');
  gw.ctx.db.update(clients).set({ rpm: 1 }).where(eq(clients.id, r.id)).run();
  await gw.ctx.limits.seed(gw.ctx.state.reload());
  allowList = a.key;
  oneAMinute = r.key;
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

const chat = (body: unknown, key?: string) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), ...(key ? { headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } } : {}) });
const hello = (model: string, extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'Hello' }], ...extra });

/** The answer's status, and its body valid as OpenAI's ErrorResponse. */
async function expectError(res: Response, status: number): Promise<any> {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = JSON.parse(text);
  expect(openaiSchemaErrors('ErrorResponse', body)).toEqual([]);
  return body;
}

/** A request whose head arrives and whose body never does (the gateway's 408), over a raw socket. */
function bodyNeverSent(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${gw.clientKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n`);
    let buf = '';
    socket.on('data', (d) => (buf += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = buf.split('\r\n\r\n');
      let body = rest.join('\r\n\r\n');
      // A chunked answer: the JSON is the first chunk's data.
      if (/transfer-encoding: chunked/i.test(head!)) body = body.split('\r\n')[1] ?? '';
      resolve({ status: Number(head!.split(' ')[1]), body });
    });
  });
}

describe('every status the gateway answers has OpenAI\'s error body', () => {
  test('400: a body that is not JSON, on every POST endpoint', async () => {
    for (const path of ['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/images/generations']) {
      await expectError(await gw.fetch(path, { method: 'POST', body: '{"model":' }), 400);
    }
    await expectError(await chat(hello('mock/echo', { temperature: 'hot' })), 400);
  });
  test('401: no key, a wrong key', async () => {
    await expectError(await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(hello('mock/echo')) }), 401);
    await expectError(await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer sk-wrong' } }), 401);
  });
  test('403: a model the key may not use', async () => {
    const body = await expectError(await chat(hello('openai/gpt-4o-mini'), allowList), 403);
    expect(body.error.code).toBe('model_not_allowed');
  });
  test('404: an unknown model, response, model id or path', async () => {
    await expectError(await chat(hello('no-such-model')), 404);
    await expectError(await gw.fetch('/v1/embeddings', { method: 'POST', body: JSON.stringify({ model: 'no-such-model', input: 'x' }) }), 404);
    await expectError(await gw.fetch('/v1/responses/resp_0123456789abcdef0123456789abcdef0123456789abcdef'), 404);
    await expectError(await gw.fetch('/v1/models/no-such-model'), 404);
    await expectError(await gw.fetch('/v1/no-such-endpoint'), 404);
  });
  test('408: a body that does not arrive in time', async () => {
    const { status, body } = await bodyNeverSent();
    expect(status).toBe(408);
    expect(openaiSchemaErrors('ErrorResponse', JSON.parse(body))).toEqual([]);
  });
  test('413: a body over the size cap', async () => {
    await expectError(await chat(hello('mock/echo', { user: 'x'.repeat(20_000) })), 413);
  });
  test('429: the key\'s rate limit, and the upstream\'s', async () => {
    expect((await chat(hello('mock/echo'), oneAMinute)).status).toBe(200);
    await expectError(await chat(hello('mock/echo'), oneAMinute), 429);
    fake.handler = () => jsonResponse({ error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '1' });
    await expectError(await chat(hello('openai/gpt-4o-mini')), 429);
  });
  test('500: a group that routes back to itself', async () => {
    const body = await expectError(await chat(hello('loop-a')), 500);
    expect(body.error.code).toBe('group_cycle');
  });
  test('502: an upstream that fails, or answers with no JSON', async () => {
    fake.handler = () => jsonResponse({ error: { message: 'The server had an error', type: 'server_error', param: null, code: null } }, 500);
    await expectError(await chat(hello('openai/gpt-4o-mini')), 502);
    fake.handler = () => new Response('<html>Bad gateway</html>', { status: 200, headers: { 'content-type': 'text/html' } });
    await expectError(await chat(hello('openai/gpt-4o-mini')), 502);
    // An upstream error body with nothing of OpenAI's shape (no message, a numeric code).
    fake.handler = () => jsonResponse({ error: { code: 500 } }, 503);
    await expectError(await chat(hello('openai/gpt-4o-mini')), 502);
  });
  test('503: a group with no target on', async () => {
    const body = await expectError(await chat(hello('nothing-on')), 503);
    expect(body.error.code).toBe('no_available_target');
  });
  test('504: an upstream that sends no headers in time', async () => {
    fake.handler = async () => {
      await Bun.sleep(2_000);
      return jsonResponse({});
    };
    await expectError(await chat(hello('openai/gpt-4o-mini')), 504);
  });
  test('a stream that fails after its first chunk ends with an error event in OpenAI\'s shape', async () => {
    // The cut waits until the client has read the first chunks, so it cannot come before the answer started.
    let release!: () => void;
    const read = new Promise<void>((r) => (release = r));
    fake.handler = replay('openai', 'text.chunks.txt', { cutAfter: 3, holdAt: { at: 3, until: read } });
    const res = await chat(hello('openai/gpt-4o-mini', { stream: true }));
    expect(res.status).toBe(200);
    let text = '';
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += r.value;
      if (text.includes('data: ')) release();
    }
    const payloads = text.split('\n\n').filter(Boolean).map((e) => e.slice('data: '.length));
    expect(payloads.at(-1)).toBe('[DONE]');
    const last = JSON.parse(payloads.at(-2)!);
    expect(openaiSchemaErrors('ErrorResponse', last)).toEqual([]);
  });
});
