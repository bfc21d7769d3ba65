/**
 * /v1/messages errors in Anthropic's shape: upstream 429/500/529, the gateway's own 413 and 504,
 * a stream cut after it started, bad input, auth by x-api-key or bearer; plus the mock provider
 * and a group end to end.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient, comparable, expectAnthropicOrder, foldChatChunks, parseSse } from './messages-helpers';

let openai: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  gw.ctx.db
    .insert(modelGroups)
    .values({ name: 'claude-sonnet', strategy: 'heuristic', targets: ['openai/gpt-4o-mini', 'mock/echo'], updatedAt: Date.now() })
    .run();
  gw.ctx.state.reload();
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

/** Closes the circuit the failure tests open (5 failures in a row would answer 503 circuit_open). */
const healthy = () => gw.ctx.breakers.onSuccess('openai', 'gpt-4o-mini');
beforeEach(healthy);

const hello = { model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hello' }] };

async function anthropicError(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(Anthropic.APIError);
    return err as InstanceType<typeof Anthropic.APIError>;
  }
  throw new Error('expected an API error');
}

const rowOf = async (requestId: string | null | undefined) => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const row = gw.logs.find((l) => l.requestId === requestId);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row for ${requestId}`);
    await Bun.sleep(20);
  }
};

describe('upstream errors -> Anthropic error types', () => {
  const cases = [
    { upstream: 429, status: 429, type: 'rate_limit_error' },
    // DeepSeek's "Insufficient Balance": Anthropic's type for a 402.
    { upstream: 402, status: 402, type: 'billing_error' },
    { upstream: 500, status: 502, type: 'api_error' },
    { upstream: 529, status: 529, type: 'overloaded_error' },
    // OpenAI's, DeepSeek's and Gemini's overloaded: Anthropic's 529, which Claude Code backs off from as from Anthropic.
    { upstream: 503, status: 529, type: 'overloaded_error' },
  ];
  for (const c of cases) {
    test(`upstream ${c.upstream} -> ${c.status} ${c.type}`, async () => {
      openai.handler = () => jsonResponse({ error: { message: `upstream says ${c.upstream}`, type: 'x' } }, c.upstream, { 'retry-after': '7' });
      for (const stream of [false, true]) {
        const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...hello, stream }) });
        expect(res.status).toBe(c.status);
        const body = (await res.json()) as any;
        expect(body.type).toBe('error');
        expect(body.error.type).toBe(c.type);
        expect(typeof body.error.message).toBe('string');
        const row = await rowOf(res.headers.get('x-request-id'));
        // The row records the status the client got (an upstream 529 stays 529 on /v1/messages).
        expect(row).toMatchObject({ endpoint: 'messages', status: c.status, stream });
      }
      const err = await anthropicError(client.messages.create(hello));
      expect(err.status).toBe(c.status);
      expect((err.error as any).error.type).toBe(c.type);
    });
  }

  test('a stream cut after it started ends with event: error', async () => {
    // The cut waits until the client has the 200: it must happen after the stream started.
    let release = () => {};
    const cutting = () => {
      const headersSeen = new Promise<void>((r) => (release = r));
      openai.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'), { cutAfter: 3, holdAt: { at: 3, until: headersSeen } });
    };
    cutting();
    const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...hello, stream: true }) });
    release();
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.type)).toEqual([
      'message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'error',
    ]);
    expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'api_error', message: expect.any(String), details: { error_code: 'upstream_unreachable' } } });
    const row = await rowOf(res.headers.get('x-request-id'));
    expect(row.status).toBeGreaterThanOrEqual(500);
    expect(row.errorType).toBe('upstream_unreachable');

    // The SDK raises it as an API error.
    healthy();
    cutting();
    const stream = await client.messages.create({ ...hello, stream: true });
    release();
    const err = await (async () => {
      for await (const _ of stream);
    })().then(() => null, (e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.errorCode).toBe('upstream_unreachable');
  });
});

describe('the gateway\'s own 413 and 504 in Anthropic\'s shape', () => {
  test('a body over LLM_PROXY__SERVER__MAX_BODY_MB -> 413 request_too_large; no upstream headers in time -> 504 api_error (INTERFACE.md)', async () => {
    // The fake never answers until the gateway hangs up, so load can delay the timeout, never prevent it.
    const silent = startFakeUpstream((req) => new Promise((resolve) => req.signal.addEventListener('abort', () => resolve(jsonResponse({})))));
    const small = await startGateway({
      env: { ...providerEnv('openai', `${silent.url}/v1`), LLM_PROXY__SERVER__MAX_BODY_MB: '0.01', LLM_PROXY__UPSTREAM__TIMEOUT_S: '0.3' },
    });
    try {
      const big = await small.fetch('/v1/messages', {
        method: 'POST',
        body: JSON.stringify({ ...hello, messages: [{ role: 'user', content: 'x'.repeat(20_000) }] }),
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toEqual({ type: 'error', error: { type: 'request_too_large', message: expect.stringContaining('LLM_PROXY__SERVER__MAX_BODY_MB'), details: { error_code: 'request_too_large' } } });
      expect(await small.waitForRow(big)).toMatchObject({ endpoint: 'messages', status: 413 });
      expect(silent.requests.length).toBe(0);

      const slow = await small.fetch('/v1/messages', { method: 'POST', body: JSON.stringify(hello) });
      expect(slow.status).toBe(504);
      expect(await slow.json()).toEqual({ type: 'error', error: { type: 'api_error', message: expect.any(String), details: { error_code: 'upstream_timeout' } } });
      expect(await small.waitForRow(slow)).toMatchObject({ endpoint: 'messages', status: 504, errorType: 'upstream_timeout' });
    } finally {
      await small.close();
      silent.close();
    }
  });
});

describe('bad input and auth', () => {
  const bad: [string, unknown, string][] = [
    ['malformed JSON', '{"model":', ''],
    ['no max_tokens', { model: 'mock/echo', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    ['no messages', { model: 'mock/echo', max_tokens: 5, messages: [] }, 'messages'],
    ['bad role', { model: 'mock/echo', max_tokens: 5, messages: [{ role: 'tool', content: 'x' }] }, 'messages: Unexpected role "tool"'],
    ['unknown block', { model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'video' }] }] }, 'messages.0.content.0.type'],
    ['server tool', { model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools.0.type'],
    ['container', { model: 'openai/gpt-4o-mini', max_tokens: 5, container: 'c1', messages: [{ role: 'user', content: 'x' }] }, 'container'],
    // Anthropic's ranges hold whatever the provider: OpenAI must not be handed a temperature of 5.
    ['temperature above 1', { model: 'openai/gpt-4o-mini', max_tokens: 5, temperature: 5, messages: [{ role: 'user', content: 'x' }] }, 'temperature'],
    ['temperature 1e400 (Infinity)', '{"model":"openai/gpt-4o-mini","max_tokens":5,"temperature":1e400,"messages":[{"role":"user","content":"x"}]}', 'temperature'],
    ['negative top_p', { model: 'openai/gpt-4o-mini', max_tokens: 5, top_p: -0.5, messages: [{ role: 'user', content: 'x' }] }, 'top_p'],
    ['fractional top_k', { model: 'mock/echo', max_tokens: 5, top_k: 1.5, messages: [{ role: 'user', content: 'x' }] }, 'top_k'],
  ];
  for (const [name, body, needle] of bad) {
    test(`${name} -> 400 invalid_request_error`, async () => {
      const before = openai.requests.length;
      const rows = () => gw.logs.filter((l) => l.endpoint === 'messages' && l.status === 400).length;
      const rowsBefore = rows();
      const res = await gw.fetch('/v1/messages', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
      expect(res.status).toBe(400);
      // Refusals are logged too: exactly one row (written before the answer went out).
      expect(rows()).toBe(rowsBefore + 1);
      const b = (await res.json()) as any;
      expect(b).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.any(String), details: { error_code: expect.any(String) } } });
      expect(b.error.message).toContain(needle);
      expect(b.error.details.error_code).toBe((await gw.waitForRow(res)).errorType);
      expect(openai.requests.length).toBe(before);
    });
  }

  test('unknown model -> 404 not_found_error; no key -> 401 authentication_error', async () => {
    const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...hello, model: 'nope/nothing' }) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.type).toBe('not_found_error');
    const row = await rowOf(res.headers.get('x-request-id'));
    expect(row).toMatchObject({ endpoint: 'messages', status: 404 });

    const anon = await fetch(`${gw.url}/v1/messages`, { method: 'POST', body: JSON.stringify(hello), headers: { 'content-type': 'application/json' } });
    expect(anon.status).toBe(401);
    const anonBody = (await anon.json()) as any;
    expect(anonBody).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.any(String), details: { error_code: 'invalid_api_key' } } });
    // It names the header Anthropic's clients use.
    expect(anonBody.error.message).toContain('"x-api-key: <key>"');
    const wrong = await anthropicError(anthropicClient(gw, 'gg-wrong').messages.create(hello));
    expect(wrong.status).toBe(401);
  });

  test("the SDK's request id (`request-id`, as Anthropic sends it) is the log row's id, on answers and errors", async () => {
    const ok = await client.messages.create({ ...hello, model: 'mock/echo' });
    expect(ok._request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await rowOf(ok._request_id!)).toMatchObject({ endpoint: 'messages', status: 200 });
    const err = await client.messages.create({ ...hello, model: 'nope/nothing' }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(await rowOf(err.requestID)).toMatchObject({ endpoint: 'messages', status: 404 });
  });

  test('a body refused before routing (no max_tokens, not JSON) carries `request-id` too: the SDK names its row', async () => {
    const { max_tokens: _, ...noMax } = hello;
    const err = await client.messages.create(noMax as typeof hello).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.requestID).toMatch(/^[0-9a-f-]{36}$/);
    expect(await rowOf(err.requestID)).toMatchObject({ endpoint: 'messages', status: 400 });
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const res = await gw.fetch(path, { method: 'POST', body: '{not json' });
      expect(res.status).toBe(400);
      expect(res.headers.get('request-id')).toBe(res.headers.get('x-request-id'));
      expect(await rowOf(res.headers.get('request-id'))).toMatchObject({ status: 400 });
    }
  });

  test("Claude Code's dialect: x-api-key, anthropic-version/-beta headers, ?beta=true, system-role messages", async () => {
    const res = await fetch(`${gw.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': gw.clientKey,
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
      },
      body: JSON.stringify({
        model: 'mock/echo',
        max_tokens: 50,
        messages: [
          { role: 'system', content: 'You are Claude Code.' },
          { role: 'user', content: 'ping' },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const m = (await res.json()) as any;
    expect(m.content).toEqual([{ type: 'text', text: 'echo: ping', citations: null }]);
  });
});

describe('mock provider and a group', () => {
  test('mock: non-stream and stream agree; stop_sequences accepted', async () => {
    const params = { model: 'mock/echo', max_tokens: 50, system: 'sys', stop_sequences: ['\n\nHuman:'], messages: [{ role: 'user' as const, content: 'hello world' }] };
    const whole = await client.messages.create(params);
    expect(whole.content).toEqual([{ type: 'text', text: 'echo: hello world', citations: null }]);
    const raw = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...params, stream: true }) });
    const events = parseSse(await raw.text());
    expectAnthropicOrder(events);
    const final = await client.messages.stream(params).finalMessage();
    expect(comparable(final)).toEqual(comparable(whole));
    expect(final.stop_reason).toBe('end_turn');
  });

  test('mock: an image is taken, count_tokens answers', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const content = [
      { type: 'text' as const, text: 'what is this' },
      { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: png } },
    ];
    const m = await client.messages.create({ model: 'mock/echo', max_tokens: 20, messages: [{ role: 'user', content }] });
    expect(m.content).toEqual([{ type: 'text', text: 'echo: what is this', citations: null }]);
    const n = await client.messages.countTokens({ model: 'mock/echo', messages: [{ role: 'user', content }] });
    // The text plus the fixed cost the estimate gives an image (85).
    expect(n.input_tokens).toBeGreaterThan(85);
  });

  test("Claude Code's dated model id goes to the claude-sonnet group; fallback to the next target when the first fails", async () => {
    openai.handler = (_r, rec) =>
      rec.body.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : jsonResponse(foldChatChunks(readChunks('openai', 'text.chunks.txt')));
    const params = { model: 'claude-sonnet-4-5-20250929', max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hello' }] };
    const res = await client.messages.create(params).withResponse();
    expect(res.response.headers.get('x-gophergate-route')).toBe('claude-sonnet>gpt-4o-mini');
    const row = await rowOf(res.response.headers.get('x-request-id'));
    expect(row).toMatchObject({ modelRequested: 'claude-sonnet-4-5-20250929', model: 'gpt-4o-mini', endpoint: 'messages' });
    expect((res.data.content[0] as any).text).toBe('Hello! How can I help you today?');
    const final = await client.messages.stream(params).finalMessage();
    expect(comparable(final)).toEqual(comparable(res.data));

    openai.handler = () => jsonResponse({ error: { message: 'down' } }, 503);
    const fell = await client.messages.create(params).withResponse();
    expect(fell.response.headers.get('x-gophergate-provider')).toBe('mock');
    expect(fell.data.content).toEqual([{ type: 'text', text: 'echo: Hello', citations: null }]);
  });
});

test('Swagger documents both routes', async () => {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
  for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
    expect(doc.paths[path].post.tags).toEqual(['Anthropic API']);
    expect(doc.paths[path].post.summary).toBeTruthy();
  }
});

test('a client that leaves mid-stream ends the upstream call; the row says 499', async () => {
  healthy();
  openai.handler = (_r, _rec, fake) => sseResponse(readChunks('openai', 'text.chunks.txt'), { hangAfter: 3, onAbort: () => fake.noteAbort() });
  const aborts = openai.aborts;
  const controller = new AbortController();
  const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...hello, stream: true }), signal: controller.signal });
  const reader = res.body!.getReader();
  let seen = '';
  while (!seen.includes('text_delta')) seen += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  await openai.waitForAbort(aborts + 1);
  const row = await rowOf(res.headers.get('x-request-id'));
  expect(row).toMatchObject({ endpoint: 'messages', status: 499, stream: true });
});

test('a group: tool round trip and count_tokens through claude-haiku', async () => {
  healthy();
  // Its own group: the tools would move claude-sonnet's heuristic to its stronger target (mock).
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-haiku', strategy: 'heuristic', targets: ['openai/gpt-4o-mini'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
  const tools = readChunks('openai', 'tools.chunks.txt');
  const text = readChunks('openai', 'text.chunks.txt');
  let next = tools;
  openai.handler = (_r, rec) => (rec.body.stream ? sseResponse(next) : jsonResponse(foldChatChunks(next)));
  const weather = { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } };
  const ask = { role: 'user' as const, content: 'Weather in Paris?' };
  const first = await client.messages.stream({ model: 'claude-haiku-4-5-20251001', max_tokens: 200, tools: [weather], messages: [ask] }).finalMessage();
  expect(first.stop_reason).toBe('tool_use');
  const uses = first.content.filter((b) => b.type === 'tool_use');
  expect(uses.length).toBeGreaterThan(0);
  next = text;
  const second = await client.messages.create({
    model: 'claude-haiku-4-5-20251001',
    max_tokens: 200,
    tools: [weather],
    messages: [ask, { role: 'assistant', content: first.content as any }, { role: 'user', content: uses.map((u: any) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: 'sunny' })) }],
  });
  expect(second.stop_reason).toBe('end_turn');
  const sent = openai.last().body;
  expect(sent.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual(uses.map((u: any) => u.id));
  const n = await client.messages.countTokens({ model: 'claude-haiku-4-5-20251001', tools: [weather], messages: [ask] });
  expect(n.input_tokens).toBeGreaterThan(10);
});

test('count_tokens counts what /v1/messages would refuse for the provider (a server tool)', async () => {
  const body = {
    model: 'openai/gpt-4o-mini',
    top_k: 3,
    tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }],
    messages: [{ role: 'user', content: 'Search the news' }],
  };
  const res = await gw.fetch('/v1/messages/count_tokens', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const withTool = ((await res.json()) as any).input_tokens;
  const plain = await client.messages.countTokens({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Search the news' }] });
  expect(withTool).toBeGreaterThan(plain.input_tokens);
  // /v1/messages itself still refuses them.
  const refused = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...body, max_tokens: 10 }) });
  expect(refused.status).toBe(400);
});

test('a classifier group routes /v1/messages as chat does: its classifier call is its own row under the request', async () => {
  gw.ctx.db
    .insert(modelGroups)
    .values({ name: 'pick', strategy: 'classifier', targets: ['mock/echo', 'mock/echo-strong'], settings: { classifier_model: 'mock/echo', timeout_ms: 3000 }, updatedAt: Date.now() })
    .run();
  gw.ctx.state.reload();
  const res = await client.messages.create({ model: 'pick', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(res.response.headers.get('x-gophergate-route')).toStartWith('pick>');
  const id = res.response.headers.get('x-request-id');
  const row = await rowOf(id);
  expect(row).toMatchObject({ endpoint: 'messages', modelRequested: 'pick', provider: 'mock' });
  const classifier = gw.logs.find((l) => l.endpoint === 'classifier' && l.parentRequestId === id);
  expect(classifier).toMatchObject({ model: 'mock/echo', provider: 'mock' });
});

test("an unknown path under /v1/messages/ (the SDK's message batches) is Anthropic's 404, not OpenAI's", async () => {
  const err = await anthropicError(client.messages.batches.list());
  expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  expect(err.error).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'Not found.', details: { error_code: 'not_found' } } });
  const res = await gw.fetch('/v1/messages/batches', { method: 'POST', headers: { 'x-api-key': gw.clientKey, 'content-type': 'application/json' }, body: '{}' });
  expect([res.status, await res.json()]).toEqual([404, { type: 'error', error: { type: 'not_found_error', message: 'Not found.', details: { error_code: 'not_found' } } }]);
  // /v1/messages itself with another method than POST: Anthropic's 404 too, as for count_tokens.
  for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
    const other = await gw.fetch(path, { headers: { 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' } });
    expect([path, other.status, await other.json()]).toEqual([path, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found.', details: { error_code: 'not_found' } } }]);
  }
  // Elsewhere under /v1 the 404 stays OpenAI's (a name merely starting with "messages" too).
  expect(await (await gw.fetch('/v1/messagesx')).json()).toMatchObject({ error: { code: 'not_found', type: 'invalid_request_error' } });
  expect(await (await gw.fetch('/v1/batches')).json()).toMatchObject({ error: { code: 'not_found', type: 'invalid_request_error' } });
});
