/**
 * Image models the table does not seed (gpt-image-1.5, gemini-3-pro-image-preview), reached as an
 * operator adds them: by LLM_PROXY__PROVIDERS__<P>__MODELS, as `provider/<id>`, or over
 * POST /api/models with kind `image`. Each must answer /v1/images/generations, and its row must bill
 * the image tokens at genai-prices' image output rate (gpt-image-1.5 $32/1M, Gemini 3 Pro Image $120/1M),
 * not at the text output rate (10 and 12) nor at nothing.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';

let up: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

const openaiAnswer = {
  created: 1757925900, background: 'opaque', output_format: 'png', quality: 'medium', size: '1024x1024',
  data: [{ b64_json: 'iVBORw0KGgo=' }],
  usage: { input_tokens: 10, input_tokens_details: { text_tokens: 10, image_tokens: 0 }, output_tokens: 1056, output_tokens_details: { image_tokens: 1056, text_tokens: 0 }, total_tokens: 1066 },
};
// Gemini 3 Pro Image: a 1K image is 1120 output tokens; it thinks first (thoughts bill at the text rate).
const geminiAnswer = {
  candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] }, finishReason: 'STOP' }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1120, thoughtsTokenCount: 200, totalTokenCount: 1330, candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }] },
};
/** gpt-image-1.5: 10 prompt tokens at $5/1M, 1056 image tokens at $32/1M (OpenAI: $0.034 a medium square image). */
const GPT_IMAGE_15_USD = 10 * 5e-6 + 1056 * 32e-6;
/** Gemini 3 Pro Image: 10 prompt tokens at $2/1M, 1120 image tokens at $120/1M ($0.134), 200 thought tokens at $12/1M. */
const GEMINI_3_PRO_IMAGE_USD = 10 * 2e-6 + 1120 * 120e-6 + 200 * 12e-6;

beforeAll(async () => {
  up = startFakeUpstream((_req, s) => jsonResponse(s.path.startsWith('/v1beta/') ? geminiAnswer : openaiAnswer));
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${up.url}/v1`, { LLM_PROXY__PROVIDERS__OPENAI__MODELS: 'gpt-image-1.5' }),
      ...providerEnv('gemini', up.url, { LLM_PROXY__PROVIDERS__GEMINI__MODELS: 'gemini-3-pro-image-preview' }),
    },
  });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  up?.close();
});

test.each([
  ['gpt-image-1.5', GPT_IMAGE_15_USD],
  ['gemini-3-pro-image-preview', GEMINI_3_PRO_IMAGE_USD],
])('%s listed in LLM_PROXY__PROVIDERS__<P>__MODELS makes images, billed at its image token rate', async (model, usd) => {
  const { data, response } = await client.images.generate({ model, prompt: 'a red fox' }).withResponse();
  expect(data.data?.length).toBe(1);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, endpoint: 'images', images: 1 });
  expect(row.costUsd).toBeCloseTo(usd, 9);
});

test.each([
  ['openai/gpt-image-1.5-2025-12-16', GPT_IMAGE_15_USD],
  ['gemini/gemini-3-pro-image', GEMINI_3_PRO_IMAGE_USD],
])('%s (provider/<id>, not in the table) is billed at its image token rate', async (model, usd) => {
  const { response } = await client.images.generate({ model, prompt: 'a red fox' }).withResponse();
  const row = await gw.waitForRow(response);
  expect(row.status).toBe(200);
  expect(row.costUsd).toBeCloseTo(usd, 9);
});

test('an image model added over POST /api/models with kind image and no prices bills its image tokens, not nothing', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const r = await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'image-hd', provider: 'openai', upstream_id: 'gpt-image-1.5', kind: 'image' } });
  expect(r.status).toBe(201);
  const { response } = await client.images.generate({ model: 'image-hd', prompt: 'a red fox' }).withResponse();
  const row = await gw.waitForRow(response);
  expect(row.status).toBe(200);
  expect(row.costUsd).toBeCloseTo(GPT_IMAGE_15_USD, 9);
});
