/**
 * INTERFACE.md (/work/shared/INTERFACE.md, the names users and scripts rely on), used the way a
 * script author uses it: each documented name is called literally against a real gateway
 * (interface-names-rig.ts), so a rename fails here. Deeper behaviour of each name lives in its
 * own suite; these files pin the spelling, the method and the status.
 * Here: /v1 (OpenAI wire format) and /v1/messages (Anthropic's) routes, fields and error codes,
 * key-limit refusal codes and x-ratelimit-* headers, log rows' endpoint names, the gateway's own 504.
 */
import { describe, expect, test } from 'bun:test';
import { api, apiLogRow, json, type Session } from '../helpers/admin-harness';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicError, chat, message, openaiError, useInterfaceGateway } from './interface-names-rig';

let gw: TestGateway;
let admin: Session;
const { post, anthropicPost, newKey } = useInterfaceGateway((r) => ({ gw, admin } = r));

describe('HTTP /v1 (OpenAI wire format)', () => {
  test('POST /v1/chat/completions, usage names; provider/model, a bare id from __MODELS and a group name', async () => {
    const r = await post('/v1/chat/completions', chat());
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: b.usage.prompt_tokens + b.usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
    expect((await post('/v1/chat/completions', chat('iface-listed'))).status).toBe(200);
    expect((await post('/v1/chat/completions', chat('iface-group'))).status).toBe(200);
  });

  test('errors: invalid 400 (not 422), unknown model 404, body too large 413, bad key 401', async () => {
    await openaiError(await post('/v1/chat/completions', { model: 'mock/echo' }), 400, { type: 'invalid_request_error', param: 'messages' });
    await openaiError(await post('/v1/chat/completions', chat('no-such-model-xyz')), 404, { code: 'model_not_found', param: 'model' });
    await openaiError(await post('/v1/chat/completions', chat('mock/echo', { pad: 'x'.repeat(20_000) })), 413, { code: 'request_too_large' });
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: 'Bearer gg-wrong' }), 401, { type: 'authentication_error' });
  });

  test('POST /v1/responses; GET, DELETE and input_items of /v1/responses/{id}; another key gets 404', async () => {
    const created = await json(await post('/v1/responses', { model: 'mock/echo', input: 'hi', instructions: 'be brief' }));
    // (Bun's toMatchObject writes its matchers into the object: ids are checked as plain values.)
    expect([created.object, /^resp_/.test(created.id)]).toEqual(['response', true]);
    expect(await json(await gw.fetch(`/v1/responses/${created.id}`))).toMatchObject({ id: created.id, object: 'response' });
    const items = await json(await gw.fetch(`/v1/responses/${created.id}/input_items?limit=5&order=asc`));
    expect(items).toMatchObject({ object: 'list', has_more: false });
    expect(items.data.map((i: any) => i.role)).toEqual(['user']); // instructions are not items
    const other = await newKey({});
    await openaiError(await gw.fetch(`/v1/responses/${created.id}`, { headers: { authorization: `Bearer ${other.key}` } }), 404);
    const del = await gw.fetch(`/v1/responses/${created.id}`, { method: 'DELETE' });
    expect(await json(del)).toEqual({ id: created.id, object: 'response', deleted: true });
  });

  test('POST /v1/images/generations and GET /v1/models', async () => {
    const r = await post('/v1/images/generations', { model: 'openai/gpt-image-1', prompt: 'a cat' });
    expect({ status: r.status, body: await json(r) }).toMatchObject({ status: 200, body: { data: [{ b64_json: 'aGk=' }] } });
    const models = await json(await gw.fetch('/v1/models'));
    expect(models.object).toBe('list');
    expect(models.data.map((m: any) => m.id)).toContain('iface-listed');
  });

  test('POST /v1/embeddings; embeddings_not_supported (param model) and invalid_input (param input)', async () => {
    const r = await post('/v1/embeddings', { model: 'mock/emb', input: 'hi', encoding_format: 'base64' });
    expect(r.status).toBe(200);
    expect(typeof (await json(r)).data[0].embedding).toBe('string');
    await openaiError(await post('/v1/embeddings', { model: 'deepseek/deepseek-chat', input: 'hi' }), 400, { code: 'embeddings_not_supported', param: 'model' });
    await openaiError(await post('/v1/embeddings', { model: 'ollama/nomic-embed-text', input: [[1, 2, 3]] }), 400, { code: 'invalid_input', param: 'input' });
  });
});

describe('/v1/messages (Anthropic wire format)', () => {
  test('x-api-key or bearer, ?beta=true, count_tokens, SSE event names', async () => {
    // Every model name that works on /v1/chat/completions works here: provider/model, a bare id, a group.
    for (const model of ['iface-listed', 'iface-group'])
      expect({ model, status: (await anthropicPost('/v1/messages', gw.clientKey, message(model))).status }).toEqual({ model, status: 200 });
    const r = await anthropicPost('/v1/messages', gw.clientKey, message());
    expect(await json(r)).toMatchObject({ type: 'message', role: 'assistant', usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) } });
    const s = await post('/v1/messages?beta=true', message('mock/echo', { stream: true }), { 'anthropic-beta': 'context-management-2025-06-27', 'anthropic-version': '2023-06-01' });
    const events = new Set([...(await s.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]));
    expect([...events].sort()).toEqual(['content_block_delta', 'content_block_start', 'content_block_stop', 'message_delta', 'message_start', 'message_stop', 'ping']);
    expect(await json(await anthropicPost('/v1/messages/count_tokens', gw.clientKey, { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] })))
      .toEqual({ input_tokens: expect.any(Number) });
  });

  test('error types by status', async () => {
    await anthropicError(await anthropicPost('/v1/messages', gw.clientKey, { model: 'mock/echo' }), 400, 'invalid_request_error', 'invalid_request');
    await anthropicError(await anthropicPost('/v1/messages', 'gg-wrong', message()), 401, 'authentication_error', 'invalid_api_key');
    await anthropicError(await anthropicPost('/v1/messages', gw.clientKey, message('no-such-model-xyz')), 404, 'not_found_error', 'model_not_found');
    await anthropicError(await anthropicPost('/v1/messages', gw.clientKey, message('mock/echo', { pad: 'x'.repeat(20_000) })), 413, 'request_too_large', 'request_too_large');
    const narrow = await newKey({ models: ['ollama/*'] });
    await anthropicError(await anthropicPost('/v1/messages', narrow.key, message()), 403, 'permission_error', 'model_not_allowed');
    const slow = await newKey({ rpm: 1 });
    expect((await anthropicPost('/v1/messages', slow.key, message())).status).toBe(200);
    await anthropicError(await anthropicPost('/v1/messages', slow.key, message()), 429, 'rate_limit_error', 'rate_limit_exceeded');
  });
});

describe('key limits: refusal codes and x-ratelimit-* headers', () => {
  test('model_not_allowed 403, budget_exceeded 429 insufficient_quota, rate_limit_exceeded 429 + retry-after, expired 401', async () => {
    const narrow = await newKey({ models: ['ollama/*'] });
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: `Bearer ${narrow.key}` }), 403, { code: 'model_not_allowed' });
    const broke = await newKey({ budget_usd: 0 });
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: `Bearer ${broke.key}` }), 429, { type: 'insufficient_quota', code: 'budget_exceeded' });
    const slow = await newKey({ rpm: 1, tpm: 100_000 });
    const ok = await post('/v1/chat/completions', chat(), { authorization: `Bearer ${slow.key}` });
    expect(Object.fromEntries(['limit-requests', 'remaining-requests', 'reset-requests', 'limit-tokens', 'remaining-tokens', 'reset-tokens']
      .map((h) => [h, ok.headers.get(`x-ratelimit-${h}`)]))).toEqual({
      'limit-requests': '1', 'remaining-requests': '0', 'reset-requests': expect.stringMatching(/^(\d+m)?\d+(\.\d+)?s$/),
      'limit-tokens': '100000', 'remaining-tokens': expect.stringMatching(/^\d+$/), 'reset-tokens': expect.stringMatching(/^(\d+m)?\d+(\.\d+)?s$/),
    });
    const refused = await post('/v1/chat/completions', chat(), { authorization: `Bearer ${slow.key}` });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    await openaiError(refused, 429, { code: 'rate_limit_exceeded' });
    const old = await newKey({ expires_at: '2020-01-01T00:00:00Z' });
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: `Bearer ${old.key}` }), 401);
  });

  test('concurrency_limit_exceeded 429 while max_parallel requests are in flight', async () => {
    const one = await newKey({ max_parallel: 1 });
    const auth = { authorization: `Bearer ${one.key}` };
    const held = post('/v1/chat/completions', chat('mock/echo', { mock_latency_ms: 1500 }), auth);
    let second: Response | undefined;
    // Until the first is admitted, the second may be the one admitted: retry until one is refused.
    for (let i = 0; i < 50; i++) {
      second = await post('/v1/chat/completions', chat(), auth);
      if (second.status === 429) break;
      await Bun.sleep(20);
    }
    await openaiError(second!, 429, { code: 'concurrency_limit_exceeded' });
    expect((await held).status).toBe(200);
  });
});

describe('log rows: endpoint names', () => {
  test('chat, responses, images, messages, count_tokens, embeddings', async () => {
    const calls: [string, Promise<Response>][] = [
      ['chat', post('/v1/chat/completions', chat())],
      ['responses', post('/v1/responses', { model: 'mock/echo', input: 'hi' })],
      ['images', post('/v1/images/generations', { model: 'openai/gpt-image-1', prompt: 'a dog' })],
      ['messages', post('/v1/messages', message())],
      ['count_tokens', post('/v1/messages/count_tokens', { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] })],
      ['embeddings', post('/v1/embeddings', { model: 'mock/emb', input: 'hi' })],
    ];
    for (const [endpoint, p] of calls) {
      const row = await apiLogRow(gw, admin, (await p).headers.get('x-request-id')!);
      expect({ endpoint, row: row.endpoint }).toEqual({ endpoint, row: endpoint });
    }
  });
});

describe('the gateway\'s own 504 (LLM_PROXY__UPSTREAM__TIMEOUT_S)', () => {
  test('504 on /v1 in OpenAI\'s shape and api_error on /v1/messages', async () => {
    const silent = startFakeUpstream((req) => new Promise((resolve) => req.signal.addEventListener('abort', () => resolve(jsonResponse({})))));
    const g = await startGateway({ env: { LLM_PROXY__UPSTREAM__TIMEOUT_S: '0.3', OPENAI_API_KEY: 'sk-x-0123456789', LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${silent.url}/v1` } });
    try {
      const o = await g.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(chat('openai/gpt-4o')) });
      expect(o.status).toBe(504);
      expect(Object.keys((await json(o)).error).sort()).toEqual(['code', 'message', 'param', 'type']);
      // MOCK is off unless LLM_PROXY__PROVIDERS__MOCK__ENABLED=true.
      expect((await json(await fetch(`${g.url}/health`))).providers.mock.enabled).toBe(false);
      await openaiError(await g.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(chat('mock/echo')) }), 404, { code: 'model_not_found' });
      const a = await g.fetch('/v1/messages', { method: 'POST', body: JSON.stringify(message('openai/gpt-4o')) });
      expect({ status: a.status, body: await json(a) }).toEqual({ status: 504, body: { type: 'error', error: { type: 'api_error', message: expect.any(String), details: { error_code: 'upstream_timeout' } } } });
    } finally {
      await g.close();
      silent.close();
    }
  });
});
