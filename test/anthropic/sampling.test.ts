/**
 * Sampling and stop settings Anthropic's API does not take as OpenAI clients send them, through
 * /v1/chat/completions with the official OpenAI client, against a fake Anthropic that refuses
 * what the real one refuses (samplingRefusal). Settings a model does not take are left out; a stop
 * sequence Anthropic cannot honour is the gateway's 400 before any call.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, startGateway, type TestGateway } from '../helpers/start-gateway';
import { json, samplingRefusal } from './fake-anthropic';

const hi: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is 2 + 2?' }];

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) => samplingRefusal(rec.body) ?? json('text.json')());
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-sampling-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

/** Sends one request; the body Anthropic got and the answer's log row. */
async function send(body: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> & Record<string, unknown>) {
  const before = fake.requests.length;
  const { data, response } = await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: hi, ...body } as any).withResponse();
  expect(fake.requests.length).toBe(before + 1);
  expect((data as OpenAI.ChatCompletion).choices[0]!.message.content).toBe('2 + 2 = 4.');
  expect(await gw.waitForRow(response)).toMatchObject({ provider: 'anthropic', status: 200 });
  return fake.last().body;
}

describe('sampling settings a Claude model does not take are left out', () => {
  test('temperature with top_p (LibreChat, Open WebUI and the like send both): top_p is left out on the models that refuse both', async () => {
    const sent = await send({ temperature: 0.7, top_p: 0.9 });
    expect([sent.temperature, sent.top_p]).toEqual([0.7, undefined]);
    // Alone, each goes as sent.
    expect((await send({ top_p: 0.9 })).top_p).toBe(0.9);
    // Claude 3 and the 4.0 models take both.
    const old = await send({ model: 'anthropic/claude-3-5-haiku-20241022', temperature: 0.7, top_p: 0.9 });
    expect([old.temperature, old.top_p]).toEqual([0.7, 0.9]);
  });

  test('thinking on (reasoning_effort or a thinking object): temperature other than 1, top_p below 0.95 and top_k are left out', async () => {
    const low = await send({ reasoning_effort: 'low', temperature: 0.2, top_p: 0.5, top_k: 40 } as any);
    expect(low.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect([low.temperature, low.top_p, low.top_k]).toEqual([undefined, undefined, undefined]);
    const explicit = await send({ thinking: { type: 'enabled', budget_tokens: 2048 }, temperature: 1, top_p: 0.97, max_tokens: 4096 } as any);
    expect([explicit.temperature, explicit.top_p]).toEqual([1, undefined]);
    const highTopP = await send({ model: 'anthropic/claude-3-7-sonnet-20250219', reasoning_effort: 'low', top_p: 0.97 });
    expect(highTopP.top_p).toBe(0.97);
    // Thinking off for the request (a forced tool): the sampling goes as sent.
    const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };
    const forced = await send({ reasoning_effort: 'low', temperature: 0.2, tools: [weather], tool_choice: 'required' });
    expect([forced.thinking, forced.temperature]).toEqual([undefined, 0.2]);
  });
});

describe('Claude Opus 4.7 and later: adaptive thinking only, no sampling settings', () => {
  test('reasoning_effort becomes adaptive thinking with output_config.effort; temperature, top_p and top_k are left out', async () => {
    const opus = 'anthropic/claude-opus-4-7';
    const plain = await send({ model: opus, temperature: 0.2, top_p: 0.9, top_k: 5 } as any);
    expect([plain.temperature, plain.top_p, plain.top_k, plain.thinking]).toEqual([undefined, undefined, undefined, undefined]);
    for (const [effort, sent] of [['minimal', 'low'], ['low', 'low'], ['medium', 'medium'], ['high', 'high'], ['xhigh', 'xhigh']] as const) {
      const body = await send({ model: opus, reasoning_effort: effort as any, temperature: 0.2 });
      expect([body.thinking, body.output_config, body.temperature]).toEqual([{ type: 'adaptive' }, { effort: sent }, undefined]);
      // Thinking counts inside max_tokens: room for it above the answer's 8192, as with a budget.
      expect(body.max_tokens).toBeGreaterThan(8192);
    }
    const none = await send({ model: opus, reasoning_effort: 'none' });
    expect([none.thinking, none.output_config]).toEqual([undefined, undefined]);
    // Earlier models keep the budget they take.
    expect((await send({ model: 'anthropic/claude-opus-4-6', reasoning_effort: 'low' })).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });
});

describe('stop sequences', () => {
  test('a whitespace-only stop ("\\n") is a 400 naming stop before any call; empty ones are left out', async () => {
    const before = fake.requests.length;
    for (const stop of ['\n', ['END', ' \n\t']]) {
      const err = await apiError(client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: hi, stop }));
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'stop', code: 'unsupported_parameter' });
      expect(err.message).toContain('whitespace');
      expect(await gw.waitForRow(err)).toMatchObject({ status: 400 });
    }
    expect(fake.requests.length).toBe(before);
    expect((await send({ stop: ['', 'END'] })).stop_sequences).toEqual(['END']);
    expect((await send({ stop: '' })).stop_sequences).toBeUndefined();
  });
});
