/**
 * An upstream that answers 200 with something that is not what its API promises. The client
 * still gets OpenAI's shape: an answer no completion or image can be read from (JSON `null`, an
 * array, a number; an images object without `data`) is a 502 `upstream_error` with its one log
 * row (a JSON `null` chat answer was a 500 with no row), and an answer with gaps (no `model`, a
 * choice that is `null`, a `usage` that is a string) is filled so it validates against OpenAI's
 * schemas, streamed or not.
 */
import { afterAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { chatSchemaErrors } from '../responses/openai-schema';

setDefaultTimeout(30_000);

let answer: () => Response = () => jsonResponse(null);
const upstream = startFakeUpstream(() => answer());
let gw: TestGateway;
useGateway((g) => (gw = g), { env: { ...providerEnv('openai', `${upstream.url}/v1`), ...providerEnv('deepseek', `${upstream.url}/v1`) } });
afterAll(() => upstream.close());
// Each case fails on purpose; a circuit opened by the last ones must not answer for the next.
beforeEach(() => gw.ctx.breakers.reset());

const chat = (model: string, stream = false) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }) });

describe('a 200 answer that is not an object', () => {
  for (const [label, value, kind] of [
    ['JSON null', null, 'JSON null'],
    ['an array', [], 'a JSON array'],
    ['a number', 5, 'a JSON number'],
  ] as const)
    for (const [model, name] of [['gpt-4o-mini', 'OpenAI (openai)'], ['deepseek/deepseek-chat', 'DeepSeek (deepseek)']] as const)
      test(`chat, ${model}: ${label} is a 502 with its log row`, async () => {
        answer = () => jsonResponse(value);
        const res = await chat(model);
        const message = `Upstream ${name} answered with ${kind}, not a completion object.`;
        expect({ status: res.status, body: await res.json() }).toEqual({
          status: 502,
          body: { error: { message, type: 'api_error', param: null, code: 'upstream_error' } },
        });
        expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'chat', status: 502, error: message, costUsd: 0 });
      });

  for (const [label, value, message] of [
    ['JSON null', null, 'Upstream OpenAI (openai) answered with JSON null, not an images object.'],
    ['an array', [{ url: 'http://x/y.png' }], 'Upstream OpenAI (openai) answered with a JSON array, not an images object.'],
    ['an object without data', { created: 1 }, "Upstream OpenAI (openai) answered without a 'data' array of images."],
  ] as const)
    test(`images: ${label} is a 502 with its log row (was relayed as a 200)`, async () => {
      answer = () => jsonResponse(value);
      const res = await gw.fetch('/v1/images/generations', { method: 'POST', body: JSON.stringify({ model: 'dall-e-3', prompt: 'a fox' }) });
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 502,
        body: { error: { message, type: 'api_error', param: null, code: 'upstream_error' } },
      });
      expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'images', status: 502, error: message, images: 0 });
    });
});

describe('a 200 answer with gaps is filled to OpenAI schema', () => {
  const gappy = { id: 'c1', object: 'chat.completion', created: 1, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }, null], usage: 'lots' };
  for (const model of ['gpt-4o-mini', 'deepseek/deepseek-chat'])
    test(`${model}: no model, a null choice, a string usage`, async () => {
      answer = () => jsonResponse(gappy);
      const res = await chat(model);
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(chatSchemaErrors('CreateChatCompletionResponse', body)).toEqual([]);
      expect(body.model).toBe(model.replace(/^deepseek\//, ''));
      const row = await gw.waitForRow(res);
      expect(row).toMatchObject({ status: 200, estimated: true });
      // No usable usage came: the answer carries the estimate its row bills, not the upstream's string.
      expect(body.usage).toMatchObject({ prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens, total_tokens: row.promptTokens + row.completionTokens });
    });

  test('stream chunks without model, with a null choice or a null delta', async () => {
    const chunks = ['{"id":"c1","object":"chat.completion.chunk","created":1,"choices":[null]}', '{"choices":[{"delta":null}]}', '{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}],"usage":"x"}'];
    answer = () => new Response(chunks.map((c) => `data: ${c}\n\n`).join('') + 'data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } });
    const res = await chat('deepseek/deepseek-chat', true);
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(parsed.length).toBe(3);
    for (const chunk of parsed) {
      expect(chatSchemaErrors('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
      expect(chunk.model).toBe('deepseek-chat');
    }
    expect(await gw.waitForRow(res)).toMatchObject({ status: 200 });
  });
});
