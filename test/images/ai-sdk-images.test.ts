/** The Vercel AI SDK's generateImage (OpenAI provider) through /v1/images/generations, per upstream. */
import { afterAll, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateImage } from 'ai';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const gptImage = fixtureJson('images', 'openai-gpt-image-1.json');
const flashImage = fixtureJson('images', 'gemini-flash-image-generate-content.json');
const openai = startFakeUpstream(() => jsonResponse(gptImage));
const gemini = startFakeUpstream(() => jsonResponse(flashImage));
let gw: TestGateway;
let ai: ReturnType<typeof createOpenAI>;
useGateway(
  (g) => {
    gw = g;
    ai = createOpenAI({ apiKey: g.clientKey, baseURL: `${g.url}/v1` });
  },
  { env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url) } },
);
afterAll(() => {
  openai.close();
  gemini.close();
});

test("gpt-image-1: the SDK sends no response_format and reads OpenAI's b64_json and usage", async () => {
  const r = await generateImage({ model: ai.image('gpt-image-1'), prompt: 'a lighthouse', size: '1024x1024', maxRetries: 0 });
  expect(r.images).toHaveLength(1);
  expect(r.image.base64).toBe(gptImage.data[0].b64_json);
  expect(r.usage).toMatchObject({ inputTokens: 14, outputTokens: 1056 });
  const sent = openai.last();
  expect(sent.body).toEqual({ model: 'gpt-image-1', prompt: 'a lighthouse', n: 1, size: '1024x1024' });
  const row = await gw.waitForRow(r.responses[0]!.headers!['x-request-id']!);
  expect(row).toMatchObject({ endpoint: 'images', model: 'gpt-image-1', status: 200, images: 1, promptTokens: 14, completionTokens: 1056 });
});

test('gemini-2.5-flash-image with n=2: the SDK asks one image per call (b64_json), one row each', async () => {
  const r = await generateImage({ model: ai.image('gemini-2.5-flash-image'), prompt: 'a fox', n: 2, size: '1536x1024', maxRetries: 0 });
  expect(r.images.map((i) => i.base64)).toEqual([0, 1].map(() => flashImage.candidates[0].content.parts[0].inlineData.data));
  expect(r.responses).toHaveLength(2);
  for (const res of r.responses) {
    expect(await gw.waitForRow(res.headers!['x-request-id']!)).toMatchObject({ model: 'gemini-2.5-flash-image', status: 200, images: 1 });
  }
  expect(gemini.last().body.generationConfig).toEqual({ responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '3:2' } });
});
