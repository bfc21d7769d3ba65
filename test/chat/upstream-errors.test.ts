/** Upstream failures before the first byte: status mapping, redaction, timeouts, breakers, fallback. */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { createBreakerRegistry, type CircuitBreakers } from '../../src/routing';
import { jsonResponse, replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

// Several tests start a gateway of their own: seconds on a loaded CI machine. A limit only bounds a
// hang.
setDefaultTimeout(30_000);

const PROVIDER_KEY = 'sk-test-openai-key-0123456789';
const body = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

async function errorOf(res: Response) {
  const json = await res.json();
  expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return json.error;
}

describe('status mapping', () => {
  let fake: FakeUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    fake = startFakeUpstream();
    gw = await startGateway({
      // Default timers: an answer must never race one (on a loaded machine a 500 would turn into a
      // 504); the timeout has its own gateway below.
      env: providerEnv('openai', `${fake.url}/v1`),
      // These tests fail the same upstream on purpose; the circuit has its own test below.
      breakers: createBreakerRegistry({ failureThreshold: 1_000 }),
    });
  });
  afterAll(async () => {
    await gw.close();
    fake.close();
  });
  const post = () => gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });

  test('an upstream 401 (the provider refused the gateway key) is a 502 naming the provider, keys redacted', async () => {
    fake.handler = () =>
      jsonResponse(
        {
          error: {
            message: `Incorrect API key provided: ${PROVIDER_KEY}. Also sk-proj-AbCdEfGhIjKlMnOp is not valid.`,
            type: 'invalid_request_error', param: null, code: 'invalid_api_key',
          },
        },
        401,
      );
    const res = await post();
    // Not 401: the client's own gateway key is fine, and SDKs read 401 as "your key is wrong".
    expect(res.status).toBe(502);
    const err = await errorOf(res);
    expect(err.message).toContain('OpenAI');
    expect(err.message).toContain('Incorrect API key provided');
    expect(err.message).not.toContain(PROVIDER_KEY);
    expect(err.message).not.toContain('AbCdEfGhIjKlMnOp');
    expect(err).toMatchObject({ type: 'api_error', code: 'upstream_auth_failed' });
  });

  test('upstream 400 keeps its code; the openai client sees a BadRequestError', async () => {
    fake.handler = () =>
      jsonResponse({ error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }, 400);
    const err = await gw.openai().chat.completions.create(body as any).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('context_length_exceeded');
    expect(err.message).toContain('maximum context length');
  });

  test('upstream 429 keeps its retry-after', async () => {
    fake.handler = () => jsonResponse({ error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '7' });
    const res = await post();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await errorOf(res)).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
  });

  test("an upstream 429 in another provider's words (Gemini's RESOURCE_EXHAUSTED, a numeric code) is OpenAI's rate_limit_exceeded; insufficient_quota stays", async () => {
    fake.handler = () => jsonResponse([{ error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } }], 429);
    expect(await errorOf(await post())).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
    fake.handler = () => jsonResponse({ error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } }, 429);
    expect(await errorOf(await post())).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
  });

  test("an account out of credit answered 429 (OpenAI's insufficient_quota, Moonshot's exceeded_current_quota_error) is insufficient_quota, not to be retried", async () => {
    // Moonshot names the cause in `type` only, and says 429 for both its rate limits and an empty balance.
    const quota = { message: 'Your account org-8a1c<ak-f0e1> is suspended, please check your plan and billing details', type: 'exceeded_current_quota_error' };
    const overloaded = { message: 'The engine is currently overloaded, please try again later', type: 'engine_overloaded_error' };
    for (const error of [{ message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' }, quota]) {
      fake.handler = () => jsonResponse({ error }, 429);
      const res = await post();
      expect(res.status).toBe(429);
      expect(res.headers.get('x-should-retry')).toBe('false');
      expect(await errorOf(res)).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
    }
    // Moonshot's engine overloaded, said with a 429, is the 503 it means: a 502, not a rate limit.
    fake.handler = () => jsonResponse({ error: overloaded }, 429);
    const res = await post();
    expect(res.status).toBe(502);
    expect(res.headers.get('x-should-retry')).toBeNull();
    expect(await errorOf(res)).toMatchObject({ code: 'upstream_error', type: 'api_error' });
  });

  test('upstream 5xx becomes 502', async () => {
    fake.handler = () => new Response('<html>Bad gateway</html>', { status: 503 });
    const res = await post();
    expect(res.status).toBe(502);
    const err = await errorOf(res);
    expect(err).toMatchObject({ type: 'api_error', code: 'upstream_error' });
    expect(err.message).toContain('503');
  });

  test('no response headers within the timeout is 504', async () => {
    // The fake never answers until the gateway hangs up, so load can delay the timeout, never prevent it.
    const silent = startFakeUpstream((req) => new Promise((resolve) => req.signal.addEventListener('abort', () => resolve(jsonResponse({})))));
    const timed = await startGateway({ env: { ...providerEnv('openai', `${silent.url}/v1`), LLM_PROXY__UPSTREAM__TIMEOUT_S: '0.3' } });
    try {
      const res = await timed.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(504);
      expect(await errorOf(res)).toMatchObject({ type: 'api_error', code: 'upstream_timeout' });
      expect(await timed.waitForRow(res)).toMatchObject({ status: 504, errorType: 'upstream_timeout', provider: 'openai' });
    } finally {
      await timed.close();
      silent.close();
    }
  });

  test('a 200 with a broken JSON body is 502, not a crash', async () => {
    fake.handler = () => new Response('{"id": "chatcmpl-1", "choi', { headers: { 'content-type': 'application/json' } });
    const res = await post();
    expect(res.status).toBe(502);
    expect((await errorOf(res)).type).toBe('api_error');
  });

  test('every failure was logged with its status and error', async () => {
    const statuses = gw.logs.map((r) => r.status);
    expect(statuses).toEqual(expect.arrayContaining([429, 502]));
    for (const r of gw.logs) {
      expect(r.error ?? '').not.toContain(PROVIDER_KEY);
      expect(r.provider).toBe('openai');
    }
  });
});

test('connection refused is 502 upstream_unreachable', async () => {
  const dead = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
  const port = dead.port;
  dead.stop(true);
  const gw = await startGateway({ env: providerEnv('openai', `http://127.0.0.1:${port}/v1`) });
  try {
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(502);
    const err = await errorOf(res);
    expect(err).toMatchObject({ type: 'api_error', code: 'upstream_unreachable' });
    expect(err.message).toContain('OpenAI');
  } finally {
    await gw.close();
  }
});

test('an open breaker for the model answers 503 at once with retry-after', async () => {
  const fake = startFakeUpstream(replayJson('openai', 'chat.json'));
  const calls: string[] = [];
  const breakers: CircuitBreakers = {
    ...createBreakerRegistry(),
    allow: (p, m) => (calls.push(`${p}:${m}`), false),
    available: () => true,
    onSuccess() {},
    onFailure() {},
    state: () => 'open',
    retryAfterMs: () => 12_500,
  };
  const gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`), breakers });
  try {
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('13');
    expect(await errorOf(res)).toMatchObject({ type: 'api_error', code: 'circuit_open' });
    expect(fake.requests.length).toBe(0);
    expect(calls).toEqual(['openai:gpt-4o-mini']);
  } finally {
    await gw.close();
    fake.close();
  }
});

describe('fallback across a group', () => {
  let openai: FakeUpstream;
  let deepseek: FakeUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    openai = startFakeUpstream();
    deepseek = startFakeUpstream(replayJson('deepseek', 'chat.json'));
    gw = await startGateway({
      env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`) },
    });
    gw.ctx.db
      .insert(modelGroups)
      .values({ name: 'pair', strategy: 'heuristic', targets: ['openai/gpt-4o-mini', 'deepseek/deepseek-chat'], updatedAt: Date.now() })
      .run();
    gw.ctx.state.reload();
  });
  afterEach(() => {
    openai.requests.length = 0;
    deepseek.requests.length = 0;
  });
  afterAll(async () => {
    await gw.close();
    openai.close();
    deepseek.close();
  });

  test('a retryable failure (500) moves on to the next target before any byte is sent', async () => {
    openai.handler = () => jsonResponse({ error: { message: 'overloaded' } }, 500);
    const { data, response } = await gw
      .openai()
      .chat.completions.create({ model: 'pair', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello! How can I help?');
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(response.headers.get('x-gophergate-route')).toBe('pair>deepseek-chat');
    expect(openai.requests.length).toBe(1);
    expect(deepseek.requests.length).toBe(1);
    const row = await gw.waitForRow(response);
    expect(row.status).toBe(200);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([
      ['openai', 502],
      ['deepseek', 200],
    ]);
  });

  test('a client error (400) is not retried elsewhere', async () => {
    openai.handler = () => jsonResponse({ error: { message: 'bad tool schema', code: 'invalid_request' } }, 400);
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ ...body, model: 'pair' }) });
    expect(res.status).toBe(400);
    expect(deepseek.requests.length).toBe(0);
  });
});

test('after repeated 5xx the real breaker opens and the next request is a fast 503', async () => {
  const fake = startFakeUpstream(() => jsonResponse({ error: { message: 'overloaded' } }, 500));
  const gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`), breakers: createBreakerRegistry({ failureThreshold: 3 }) });
  try {
    const post = () => gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(502);
    const res = await post();
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(fake.requests.length).toBe(3);
  } finally {
    await gw.close();
    fake.close();
  }
});
