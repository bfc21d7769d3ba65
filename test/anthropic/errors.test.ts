/** Anthropic's errors through /v1/chat/completions: status mapping, retryability (fallback, breaker), stream failures. */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { createBreakerRegistry, type CircuitBreakers } from '../../src/routing';
import { modelGroups } from '../../src/db/schema';
import { replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicSse, json, queue, sse } from './fake-anthropic';

setDefaultTimeout(30_000);

const KEY = 'sk-ant-api03-errors-test-key-0123456789';
const MODEL = 'anthropic/claude-sonnet-4-5';
const hi = [{ role: 'user' as const, content: 'hi' }];

let anthropic: FakeUpstream;
let deepseek: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
const failures: string[] = [];
const successes: string[] = [];
// Records what the breaker is told, never opens (these tests fail the same upstream on purpose).
const breakers: CircuitBreakers = {
  ...createBreakerRegistry(),
  allow: () => true,
  available: () => true,
  onSuccess: (p, m) => void successes.push(`${p}:${m}`),
  onFailure: (p, m) => void failures.push(`${p}:${m}`),
  state: () => 'closed',
  retryAfterMs: () => 0,
};

beforeAll(async () => {
  anthropic = startFakeUpstream();
  deepseek = startFakeUpstream(replayJson('deepseek', 'chat.json'));
  gw = await startGateway({
    env: { ANTHROPIC_API_KEY: KEY, LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url, ...providerEnv('deepseek', `${deepseek.url}/v1`) },
    breakers,
  });
  gw.ctx.db
    .insert(modelGroups)
    .values({ name: 'claude-first', strategy: 'heuristic', targets: [MODEL, 'deepseek/deepseek-chat'], updatedAt: Date.now() })
    .run();
  gw.ctx.state.reload();
  client = gw.openai();
});
afterEach(() => {
  failures.length = 0;
  successes.length = 0;
  deepseek.requests.length = 0;
});
afterAll(async () => {
  await gw?.close();
  anthropic?.close();
  deepseek?.close();
});

const rowOf = async (requestId: string) => {
  for (let n = 1; ; n++) {
    const row = (await gw.waitForLogs(n)).find((r) => r.requestId === requestId);
    if (row) return row;
  }
};

describe('error answers before the first byte', () => {
  test('429 rate_limit_error: 429 to the client with retry-after, the message and Anthropic\'s error type', async () => {
    anthropic.handler = queue(json('error-429.json', 429, { 'retry-after': '17' }));
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, messages: hi }) });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('17');
    const { error } = (await res.json()) as any;
    // On /v1/chat/completions an upstream's 429 is OpenAI's rate-limit error, whatever the provider called it.
    expect([error.code, error.type]).toEqual(['rate_limit_exceeded', 'requests']);
    expect(error.message).toContain('Anthropic (anthropic) returned HTTP 429');
    expect(error.message).toContain('would exceed the rate limit');
    // A rate limit rests the provider key (key-pool/), it is not the provider failing: the breaker is not told.
    expect(failures).toEqual([]);
  });

  test('500 api_error: 502 api_error, counted against the breaker', async () => {
    anthropic.handler = queue(json('error-500.json', 500));
    const err = await apiError(client.chat.completions.create({ model: MODEL, messages: hi }));
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: 'api_error', code: 'api_error' });
    expect(err.message).toContain('Internal server error');
    expect(failures).toEqual(['anthropic:claude-sonnet-4-5']);
  });

  test('529 overloaded_error: 502 naming it, never the provider key', async () => {
    anthropic.handler = queue(json('error-529.json', 529));
    const err = await apiError(client.chat.completions.create({ model: MODEL, messages: hi }));
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: 'api_error', code: 'overloaded_error' });
    expect(err.message).toContain('Overloaded');
    expect(JSON.stringify(err.error)).not.toContain(KEY);
  });

  test('529 in a group: the request moves on to the next target', async () => {
    anthropic.handler = queue(json('error-529.json', 529));
    const { data, response } = await client.chat.completions.create({ model: 'claude-first', messages: hi }).withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello! How can I help?');
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    const row = await rowOf(response.headers.get('x-request-id')!);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['anthropic', 502], ['deepseek', 200]]);
  });

  test('400 invalid_request_error is the client\'s: passed through, not retried elsewhere', async () => {
    anthropic.handler = queue(json('error-400.json', 400));
    const err = await apiError(client.chat.completions.create({ model: 'claude-first', messages: hi }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request_error' });
    expect(err.message).toContain('Expected `thinking` or `redacted_thinking`');
    expect(deepseek.requests.length).toBe(0);
    expect(failures).toEqual([]);
  });

  test("400 prompt is too long: OpenAI's context_length_exceeded (code, param, words), Anthropic's in brackets", async () => {
    const original = 'prompt is too long: 210000 tokens > 200000 maximum';
    for (const stream of [false, true]) {
      anthropic.handler = () => Response.json({ type: 'error', error: { type: 'invalid_request_error', message: original } }, { status: 400 });
      const err = await apiError(client.chat.completions.create({ model: MODEL, messages: hi, stream }));
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
      // OpenAI's wording, which LangChain's ContextOverflowError and agents that trim their history look for.
      expect(err.message).toContain("This model's maximum context length is 200000 tokens. However, your messages resulted in 210000 tokens.");
      expect(err.message).toContain(original);
      expect(await rowOf(err.requestID!)).toMatchObject({ status: 400, provider: 'anthropic' });
    }
  });

  test('an error event as the first thing in a stream falls back like an error status', async () => {
    anthropic.handler = () =>
      new Response('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n', {
        headers: { 'content-type': 'text/event-stream' },
      });
    deepseek.handler = () => new Response('data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-chat","choices":[{"index":0,"delta":{"role":"assistant","content":"fallback"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } });
    const stream = await client.chat.completions.create({ model: 'claude-first', messages: hi, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('fallback');
    expect(failures).toEqual(['anthropic:claude-sonnet-4-5']);
    deepseek.handler = replayJson('deepseek', 'chat.json');
  });
  // Anthropic's 200 then message_start, a ping and `event: error`: nothing was said yet (the role
  // chunk carries nothing), so it is the failure an HTTP error would be, not a failed stream.
  test('an overloaded_error after message_start and a ping, before any text: a group falls back', async () => {
    anthropic.handler = queue(sse('overloaded-after-start.sse'));
    deepseek.handler = () => new Response('data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-chat","choices":[{"index":0,"delta":{"role":"assistant","content":"fallback"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } });
    const { data: stream, response } = await client.chat.completions.create({ model: 'claude-first', messages: hi, stream: true }).withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('fallback');
    const row = await rowOf(response.headers.get('x-request-id')!);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['anthropic', 502], ['deepseek', 200]]);
    // A bridged /v1/responses stream alike: no response.failed, the next target's answer.
    anthropic.handler = queue(sse('overloaded-after-start.sse'));
    const events = await client.responses.create({ model: 'claude-first', input: 'hi', stream: true });
    let done: any;
    for await (const e of events) if (e.type === 'response.completed') done = e.response;
    expect(done.output_text ?? done.output[0].content[0].text).toBe('fallback');
    deepseek.handler = replayJson('deepseek', 'chat.json');
  });

  test('the same on a model named directly: an HTTP error the SDK retries, not an error chunk', async () => {
    anthropic.handler = queue(sse('overloaded-after-start.sse'));
    const err = await apiError(client.chat.completions.create({ model: MODEL, messages: hi, stream: true }));
    expect(err.error).toMatchObject({ code: 'overloaded_error' });
    expect(err.status).toBe(502);
    expect((await rowOf(err.requestID!)).errorType).toBe('overloaded_error');
  });
});

describe('failures after the stream started', () => {
  test('an overloaded_error event mid-stream: the text so far, then an error event; logged and counted', async () => {
    anthropic.handler = queue(sse('error-midstream.sse'));
    const { data: stream, response } = await client.chat.completions.create({ model: MODEL, messages: hi, stream: true }).withResponse();
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })().catch((e) => e);
    expect(text).toBe('Once upon a time');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err.message)).toContain('Overloaded (overloaded_error)');
    const row = await rowOf(response.headers.get('x-request-id')!);
    expect(row.status).toBe(502);
    expect(row.errorType).toBe('overloaded_error');
    expect(failures).toEqual(['anthropic:claude-sonnet-4-5']);
  });

  test('a cut stream (no message_stop) ends with an error event, never a silent success', async () => {
    // message_start, block start, one text delta, then the connection drops.
    anthropic.handler = () => anthropicSse('text.sse', { cutAfter: 4 });
    const stream = await client.chat.completions.create({ model: MODEL, messages: hi, stream: true });
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })().catch((e) => e);
    expect(text).toBe('Once upon');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(failures).toEqual(['anthropic:claude-sonnet-4-5']);
  });

  test('a stream that closes cleanly without message_stop is an error too', async () => {
    anthropic.handler = () => {
      // Every event but message_stop (one event per write), then a clean end of the body.
      const body = anthropicSse('text.sse').body!;
      return new Response(body.pipeThrough(new TransformStream({
        transform(chunk, c) {
          if (!new TextDecoder().decode(chunk).includes('message_stop')) c.enqueue(chunk);
        },
      })), { headers: { 'content-type': 'text/event-stream' } });
    };
    const stream = await client.chat.completions.create({ model: MODEL, messages: hi, stream: true });
    const err = await (async () => {
      for await (const _ of stream);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err.message)).toContain('ended before the message was complete');
  });
});
