/**
 * Newer OpenAI request features, the way a user of the current API meets them: the official openai
 * client through the real gateway, a fake OpenAI replaying its wire shapes, and each request's one
 * log row (found by its x-request-id) checked against a hand calculation.
 * - service_tier: the row bills the tier OpenAI's answer says served it, not the one asked (priority
 *   asked and refused to default; a stream's chunks, obfuscation padding and all; a Responses stream
 *   whose response.created echoes the ask and whose response.completed names the tier used), and
 *   priority on a pass-through id (`openai/gpt-5.1`, a dated snapshot) bills that model's premium.
 * - predicted outputs: rejected prediction tokens are inside completion_tokens and bill as output.
 * - gpt-5: max_tokens goes as max_completion_tokens; verbosity, minimal effort, prompt_cache_key,
 *   safety_identifier go as sent; on /v1/responses truncation, store: false with encrypted reasoning.
 */
import { expect, test } from 'bun:test';
import { jsonResponse, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { fixture } from './load-fixture';

/** The tier the fake says served a request, whatever was asked; the answer's fields over the fixture's. */
let served = 'default';
let answer: Record<string, any> = {};
/** Set: the fake answers with these stream payloads (chat chunks or Responses events). */
let stream: Record<string, any>[] | null = null;
const fake = startFakeUpstream((_req, r) => {
  if (stream) return sseResponse(stream.map((c) => JSON.stringify(c)));
  const base = r.path.endsWith('/responses') ? fixture('openai-responses.json') : fixture('openai-o3-cached-reasoning.json');
  return jsonResponse({ ...base, service_tier: served, ...answer });
});
let gw: TestGateway;
useGateway((g) => {
  gw = g;
}, { env: providerEnv('openai', `${fake.url}/v1`) });

const M = 1e6;
/** o3's fixture usage (2006 prompt, 1920 cached, 300 output of which 192 reasoning) at o3's standard prices. */
const O3 = (86 * 2 + 1920 * 0.5 + 300 * 8) / M;
/** The same usage at gpt-5's (and gpt-5.1's) standard prices, 1.25 / 0.125 / 10. */
const GPT5 = (86 * 1.25 + 1920 * 0.125 + 300 * 10) / M;
/** o4-mini's Responses fixture (1536 input, 1280 cached, 212 output) at its standard prices, 1.1 / 0.275 / 4.4. */
const O4_MINI = (256 * 1.1 + 1280 * 0.275 + 212 * 4.4) / M;
const messages = [{ role: 'user' as const, content: 'Find the bug.' }];

function reset() {
  served = 'default';
  answer = {};
  stream = null;
}

test('priority asked but served at default (OpenAI\'s answer says so): the row bills the standard prices', async () => {
  reset();
  const { data, response } = await gw.openai().chat.completions.create({ model: 'o3', messages, service_tier: 'priority' }).withResponse();
  expect([fake.last().body.service_tier, data.service_tier]).toEqual(['priority', 'default']);
  expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(O3, 12);
});

test('a stream asked at flex, served at default, with include_obfuscation: usage read exactly past the padding', async () => {
  reset();
  const base = { id: 'chatcmpl-obf', object: 'chat.completion.chunk', created: 1, model: 'o3-2025-04-16', service_tier: 'default', system_fingerprint: null };
  stream = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Off by one.' }, finish_reason: null }], obfuscation: 'q3Xw' },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], obfuscation: 'Zk' },
    { ...base, choices: [], usage: fixture('openai-o3-cached-reasoning.json').usage, obfuscation: 'p0Lr9a' },
  ];
  const { data, response } = await gw.openai().chat.completions.create({
    model: 'o3', messages, service_tier: 'flex', stream: true, stream_options: { include_usage: true, include_obfuscation: true },
  }).withResponse();
  let text = '';
  let promptTokens = 0;
  for await (const c of data) {
    text += c.choices[0]?.delta.content ?? '';
    promptTokens = c.usage?.prompt_tokens ?? promptTokens;
  }
  expect([text, promptTokens]).toEqual(['Off by one.', 2006]);
  expect(fake.last().body.stream_options).toEqual({ include_usage: true, include_obfuscation: true });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ promptTokens: 2006, cachedTokens: 1920, completionTokens: 300, estimated: false });
  expect(row.costUsd).toBeCloseTo(O3, 12);
});

for (const [asked, used, multiplier] of [['priority', 'default', 1], ['flex', 'flex', 0.5]] as const) {
  test(`a Responses stream asked at ${asked}: response.completed's service_tier (${used}) prices the row, not response.created's`, async () => {
    reset();
    const completed = { ...fixture('openai-responses.json'), service_tier: used };
    stream = [
      { type: 'response.created', sequence_number: 0, response: { ...completed, status: 'in_progress', output: [], usage: null, service_tier: asked } },
      { type: 'response.completed', sequence_number: 1, response: completed },
    ];
    const { data, response } = await gw.openai().responses.create({ model: 'o4-mini', input: 'Capital of France?', service_tier: asked, stream: true }).withResponse();
    let tier: string | null | undefined;
    for await (const e of data) if (e.type === 'response.completed') tier = e.response.service_tier;
    expect(tier).toBe(used);
    expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(O4_MINI * multiplier, 12);
  });
}

test('priority on pass-through ids: gpt-5.1 and a dated gpt-5 bill OpenAI\'s priority prices (2x), gpt-5.2 its own', async () => {
  reset();
  served = 'priority';
  // gpt-5.2's standard prices are 1.4x gpt-5's (1.75 / 0.175 / 14); its priority ones 3.5 / 0.35 / 28.
  for (const [model, standard] of [['openai/gpt-5.1', GPT5], ['openai/gpt-5-2025-08-07', GPT5], ['openai/gpt-5.2', GPT5 * 1.4]] as const) {
    answer = { model: model.slice('openai/'.length) };
    const { response } = await gw.openai().chat.completions.create({ model, messages, service_tier: 'priority' }).withResponse();
    const row = await gw.waitForRow(response);
    expect({ model, cost: row.costUsd }).toEqual({ model, cost: expect.closeTo(standard * 2, 12) });
  }
});

test('predicted outputs: the prediction goes on, and rejected prediction tokens (inside completion_tokens) bill as output', async () => {
  reset();
  answer = {
    model: 'gpt-4o-2024-08-06',
    usage: {
      prompt_tokens: 100, completion_tokens: 250, total_tokens: 350, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 150, rejected_prediction_tokens: 80 },
    },
  };
  const prediction = { type: 'content' as const, content: 'function add(a, b) { return a + b; }' };
  const { data, response } = await gw.openai().chat.completions.create({ model: 'gpt-4o', messages, prediction }).withResponse();
  expect(data.usage?.completion_tokens_details).toMatchObject({ accepted_prediction_tokens: 150, rejected_prediction_tokens: 80 });
  expect(fake.last().body.prediction).toEqual(prediction);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ promptTokens: 100, completionTokens: 250 });
  expect(row.costUsd).toBeCloseTo((100 * 2.5 + 250 * 10) / M, 12);
});

test('gpt-5 on chat: max_tokens goes as max_completion_tokens; verbosity, minimal effort and the cache and safety ids as sent', async () => {
  reset();
  answer = { model: 'gpt-5-2025-08-07' };
  const { response } = await gw.openai().chat.completions.create({
    model: 'gpt-5', messages, max_tokens: 500, verbosity: 'low', reasoning_effort: 'minimal', prompt_cache_key: 'repo-42', safety_identifier: 'user-7',
  }).withResponse();
  const sent = fake.last().body;
  expect(sent).not.toHaveProperty('max_tokens');
  expect(sent).toMatchObject({ max_completion_tokens: 500, verbosity: 'low', reasoning_effort: 'minimal', prompt_cache_key: 'repo-42', safety_identifier: 'user-7' });
  expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(GPT5, 12);
});

test('/v1/responses served at flex: truncation, store false with encrypted reasoning and the ids go to OpenAI; half price', async () => {
  reset();
  served = 'flex';
  const { data, response } = await gw.openai().responses.create({
    model: 'o4-mini', input: 'Capital of France?', service_tier: 'flex', truncation: 'auto', store: false,
    include: ['reasoning.encrypted_content'], prompt_cache_key: 'repo-42', safety_identifier: 'user-7',
  }).withResponse();
  expect(data.service_tier).toBe('flex');
  expect(fake.last().body).toMatchObject({ truncation: 'auto', store: false, include: ['reasoning.encrypted_content'], prompt_cache_key: 'repo-42', safety_identifier: 'user-7' });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ promptTokens: 1536, cachedTokens: 1280, completionTokens: 212, reasoningTokens: 192, estimated: false });
  expect(row.costUsd).toBeCloseTo(O4_MINI / 2, 12);
});
