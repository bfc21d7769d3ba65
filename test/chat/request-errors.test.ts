/** Client-side errors: every one is OpenAI's {error:{message,type,param,code}} with the right status. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { clients } from '../../src/db/schema';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse({ error: { message: 'must not be called' } }, 500));
  // 0.01 MB = 10,485 bytes: small enough to exceed in a test.
  gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__SERVER__MAX_BODY_MB: '0.01' } });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

const post = (body: string, headers: Record<string, string> = {}) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body, headers });

async function expectError(res: Response, status: number, match: { type: string; code?: string | null; param?: string | null }) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = await res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message).not.toContain('    at '); // no stack trace
  expect(body.error).toMatchObject(match);
  return body.error;
}

const valid = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('400 invalid requests name the offending field', () => {
  test('malformed JSON is 400 invalid_json, not a 422', async () => {
    await expectError(await post('{"model": "gpt-4o",'), 400, { type: 'invalid_request_error', code: 'invalid_json', param: null });
  });

  test('a body that is not an object', async () => {
    await expectError(await post('[1,2]'), 400, { type: 'invalid_request_error', param: null });
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['missing model', { messages: valid.messages }, 'model'],
    ['empty model', { ...valid, model: '' }, 'model'],
    ['messages missing', { model: valid.model }, 'messages'],
    ['messages empty', { ...valid, messages: [] }, 'messages'],
    ['unknown role', { ...valid, messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    ['user without content', { ...valid, messages: [{ role: 'user' }] }, 'messages[0].content'],
    ['content of the wrong type', { ...valid, messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
    ['unknown content part', { ...valid, messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] }, 'messages[0].content[0].type'],
    ['text part without text', { ...valid, messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages[0].content[0].text'],
    ['image part with a bad URL', { ...valid, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }, 'messages[0].content[0].image_url.url'],
    ['tool message without tool_call_id', { ...valid, messages: [...valid.messages, { role: 'tool', content: 'r' }] }, 'messages[1].tool_call_id'],
    ['tool call without arguments', { ...valid, messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f' } }] }] }, 'messages[0].tool_calls[0].function.arguments'],
    ['n below 1', { ...valid, n: 0 }, 'n'],
    ['n not an integer', { ...valid, n: 1.5 }, 'n'],
    ['max_tokens negative', { ...valid, max_tokens: -1 }, 'max_tokens'],
    ['max_completion_tokens zero', { ...valid, max_completion_tokens: 0 }, 'max_completion_tokens'],
    ['temperature above 2', { ...valid, temperature: 2.5 }, 'temperature'],
    ['top_p above 1', { ...valid, top_p: 1.5 }, 'top_p'],
    ['stream not a boolean', { ...valid, stream: 'yes' }, 'stream'],
    ['include_usage not a boolean', { ...valid, stream: true, stream_options: { include_usage: 'y' } }, 'stream_options.include_usage'],
    ['stop with five entries', { ...valid, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    ['tool without a name', { ...valid, tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name'],
    ['tool_choice unknown', { ...valid, tool_choice: 'sometimes' }, 'tool_choice'],
    ['response_format unknown type', { ...valid, response_format: { type: 'yaml' } }, 'response_format.type'],
    ['json_schema without a name', { ...valid, response_format: { type: 'json_schema', json_schema: {} } }, 'response_format.json_schema.name'],
  ];
  for (const [name, body, param] of cases) {
    test(name, async () => {
      await expectError(await post(JSON.stringify(body)), 400, { type: 'invalid_request_error', param });
    });
  }

  test('the openai client surfaces param and status', async () => {
    const err = await gw
      .openai()
      .chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], n: 0 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.param).toBe('n');
  });

  test('no invalid request reached the upstream', () => {
    expect(fake.requests.length).toBe(0);
  });
});

describe('401 without a valid client key', () => {
  test('missing Authorization', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(valid) });
    await expectError(res, 401, { type: 'authentication_error', code: 'invalid_api_key', param: null });
  });

  test('an Authorization header that is not a bearer key is called malformed, not missing', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer two words']) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(valid), headers: { authorization } });
      const error = await expectError(res, 401, { type: 'authentication_error', code: 'invalid_api_key', param: null });
      expect(error.message).toStartWith('Malformed Authorization header');
    }
    const missing = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(valid) });
    expect(((await missing.json()) as any).error.message).toStartWith('Missing API key');
  });

  test('wrong key, through the openai client', async () => {
    const err = await gw.openai('gg-not-a-real-key').chat.completions.create(valid as any).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
  });

  test('a revoked key stops working once the snapshot reloads', async () => {
    const { key, id } = gw.addClient('soon revoked');
    const ok = await gw.fetch('/v1/models', { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    gw.ctx.db.update(clients).set({ revoked: true }).where(eq(clients.id, id)).run();
    gw.ctx.state.reload();
    await expectError(await gw.fetch('/v1/models', { headers: { authorization: `Bearer ${key}` } }), 401, { type: 'authentication_error' });
  });

  test('GET /v1/models needs a key too', async () => {
    await expectError(await fetch(`${gw.url}/v1/models`), 401, { type: 'authentication_error' });
  });
});

describe('404 model_not_found', () => {
  test('unknown bare model id', async () => {
    await expectError(await post(JSON.stringify({ ...valid, model: 'no-such-model' })), 404, {
      type: 'invalid_request_error', code: 'model_not_found', param: 'model',
    });
  });

  test('provider/model of a disabled provider', async () => {
    await expectError(await post(JSON.stringify({ ...valid, model: 'grok/grok-4' })), 404, { code: 'model_not_found', type: 'invalid_request_error' });
  });

  test('through the openai client', async () => {
    const err = await gw.openai().chat.completions.create({ ...(valid as any), model: 'nope' }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
  });
});

describe('413 body too large', () => {
  const big = JSON.stringify({ ...valid, messages: [{ role: 'user', content: 'x'.repeat(20_000) }] });

  test('with Content-Length', async () => {
    await expectError(await post(big), 413, { type: 'invalid_request_error', code: 'request_too_large' });
  });

  test('chunked, without Content-Length', async () => {
    const bytes = new TextEncoder().encode(big);
    const body = new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += 4096) c.enqueue(bytes.slice(i, i + 4096));
        c.close();
      },
    });
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body, duplex: 'half' } as RequestInit);
    await expectError(res, 413, { type: 'invalid_request_error', code: 'request_too_large' });
  });
});

test('failed requests of a known client are logged, each as its own row; unauthenticated ones are not', async () => {
  const unknown = await post(JSON.stringify({ ...valid, model: 'no-such-model' }));
  expect(await gw.waitForRow(unknown)).toMatchObject({ status: 404, modelRequested: 'no-such-model', clientId: gw.clientId });
  const malformed = await post('{"model": "gpt-4o",');
  expect(await gw.waitForRow(malformed)).toMatchObject({ status: 400, errorType: 'invalid_json', clientId: gw.clientId });
  const tooLarge = await post(JSON.stringify({ ...valid, messages: [{ role: 'user', content: 'x'.repeat(20_000) }] }));
  expect(await gw.waitForRow(tooLarge)).toMatchObject({ status: 413, errorType: 'request_too_large', clientId: gw.clientId });
  // Refused before the client is known: no row to name, so the answer names none.
  const anonymous = await post(JSON.stringify(valid), { authorization: 'Bearer gg-wrong-key' });
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('x-request-id')).toBeNull();
  expect(gw.logs.some((r) => r.status === 401)).toBe(false);
});
