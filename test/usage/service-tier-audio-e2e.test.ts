/**
 * OpenAI's processing tiers and audio tokens, the way a user meets them: the official openai
 * client asks for `service_tier` (or an audio answer) through the real gateway, a fake OpenAI
 * answers with the tier it used and its usage, and the log row (found by the answer's request id)
 * bills at the tier's and the audio prices. The arithmetic is beside each case.
 */
import { expect, test } from 'bun:test';
import { jsonResponse, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { fixture } from './load-fixture';

/** The fake answers with the tier the client asked for, as OpenAI does when it can serve it. */
const fake = startFakeUpstream((_req, recorded) => {
  const tier = recorded.body.service_tier === 'auto' || !recorded.body.service_tier ? 'default' : recorded.body.service_tier;
  if (recorded.path.endsWith('/responses')) return jsonResponse({ ...fixture('openai-responses.json'), service_tier: tier });
  if (!recorded.body.stream) return jsonResponse({ ...fixture('openai-o3-cached-reasoning.json'), service_tier: tier });
  const base = { id: 'chatcmpl-tier', object: 'chat.completion.chunk', created: 1, model: 'o3-2025-04-16', service_tier: tier, system_fingerprint: null };
  return sseResponse([
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Off by one.' }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: fixture('openai-o3-cached-reasoning.json').usage },
  ].map((c) => JSON.stringify(c)));
});
let gw: TestGateway;
useGateway((g) => {
  gw = g;
}, { env: providerEnv('openai', `${fake.url}/v1`) });

const M = 1e6;
/** o3 at standard prices: 86 uncached * 2 + 1920 cached * 0.5 + 300 output (192 of them reasoning) * 8. */
const O3_STANDARD = (86 * 2 + 1920 * 0.5 + 300 * 8) / M;
const messages = [{ role: 'user' as const, content: 'Find the bug.' }];

for (const [tier, multiplier, why] of [
  ['flex', 0.5, 'half of every price (Batch API rates)'],
  ['priority', 1.75, 'OpenAI\'s o3 priority prices, 3.5 / 0.875 / 14'],
  ['default', 1, 'the standard prices'],
] as const) {
  test(`chat.completions with service_tier ${tier}: the row bills ${why}`, async () => {
    const { data, response } = await gw.openai().chat.completions.create({ model: 'o3', messages, service_tier: tier }).withResponse();
    expect(data.service_tier).toBe(tier);
    expect(fake.last().body.service_tier).toBe(tier);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ model: 'o3', promptTokens: 2006, cachedTokens: 1920, completionTokens: 300, estimated: false });
    expect(row.costUsd).toBeCloseTo(O3_STANDARD * multiplier, 12);
  });
}

test('a streamed chat served at flex: the tier is read off the usage chunk', async () => {
  const { data, response } = await gw.openai().chat.completions.create({ model: 'o3', messages, service_tier: 'flex', stream: true }).withResponse();
  let text = '';
  for await (const c of data) text += c.choices[0]?.delta.content ?? '';
  expect(text).toBe('Off by one.');
  const row = await gw.waitForRow(response);
  expect(row.costUsd).toBeCloseTo(O3_STANDARD * 0.5, 12);
});

test('responses.create with service_tier priority (passed through to OpenAI): o4-mini\'s priority prices', async () => {
  const { data, response } = await gw.openai().responses.create({ model: 'o4-mini', input: 'Capital of France?', service_tier: 'priority' }).withResponse();
  expect(data.service_tier).toBe('priority');
  const row = await gw.waitForRow(response);
  // 256 uncached * 2 + 1280 cached * 0.5 + 212 output * 8 (standard would be 1.1 / 0.275 / 4.4).
  expect(row.costUsd).toBeCloseTo((256 * 2 + 1280 * 0.5 + 212 * 8) / M, 12);
});

// gpt-audio's audio prices come from genai-prices; gpt-4o-audio-preview's from OpenAI's model page (genai-prices lists its text prices only).
for (const [model, served, audioIn, audioOut] of [['gpt-audio', 'gpt-audio-2025-08-28', 32, 64], ['openai/gpt-4o-audio-preview', 'gpt-4o-audio-preview-2025-06-03', 40, 80]] as const) {
  test(`an audio answer from ${model}: audio tokens at ${audioIn} / ${audioOut} $ per 1M, the text at 2.5 / 10`, async () => {
    fake.handler = () => jsonResponse({
      id: 'chatcmpl-audio', object: 'chat.completion', created: 1, model: served,
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, audio: { id: 'audio_1', data: 'UklGRg==', expires_at: 2, transcript: 'Hello there.' } }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 1234, completion_tokens: 532, total_tokens: 1766,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 400 },
      },
    });
    const { data, response } = await gw.openai().chat.completions.create({
      model, modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' },
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }] }],
    }).withResponse();
    expect(data.choices[0]!.message.audio?.transcript).toBe('Hello there.');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ model, promptTokens: 1234, completionTokens: 532, estimated: false });
    // 234 text in * 2.5 + 1000 audio in + 132 text out * 10 + 400 audio out at the audio prices (all as text: 0.008405).
    expect(row.costUsd).toBeCloseTo((234 * 2.5 + 1000 * audioIn + 132 * 10 + 400 * audioOut) / M, 12);
  });
}
