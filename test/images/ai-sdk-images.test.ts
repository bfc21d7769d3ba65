/** The Vercel AI SDK's generateImage (OpenAI provider) through /v1/images/generations, per upstream. */
import { afterAll, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateImage } from 'ai';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const gptImage = fixtureJson('images', 'openai-gpt-image-1.json');
const flashImage = fixtureJson('images', 'gemini-flash-image-generate-content.json');
const openai = startFakeUpstream(() => jsonResponse(gptImage));
const gemini = startFakeUpstream(() => jsonResponse(flashImage));
/** xAI's answer: its recorded images, as many as asked, base64 when asked (as xAI does). */
const grok = startFakeUpstream((_req, rec) => {
  const json = fixtureJson('images', 'xai-grok-2-image-url.json');
  json.data = json.data.slice(0, rec.body.n ?? 1).map((d: any) => (rec.body.response_format === 'b64_json' ? { b64_json: 'aGVsbG8=', revised_prompt: d.revised_prompt } : d));
  return jsonResponse(json);
});
let gw: TestGateway;
let ai: ReturnType<typeof createOpenAI>;
useGateway(
  (g) => {
    gw = g;
    ai = createOpenAI({ apiKey: g.clientKey, baseURL: `${g.url}/v1` });
  },
  { env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('grok', `${grok.url}/v1`) } },
);
afterAll(() => {
  openai.close();
  gemini.close();
  grok.close();
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

test("grok-2-image-1212 with n=2: b64_json asked and relayed, xAI's revised prompts in the metadata, one priced row per image", async () => {
  const r = await generateImage({ model: ai.image('grok/grok-2-image-1212'), prompt: 'a fox', n: 2, maxRetries: 0 });
  expect(r.images.map((i) => i.base64)).toEqual(['aGVsbG8=', 'aGVsbG8=']);
  expect(grok.last().body).toEqual({ model: 'grok-2-image-1212', prompt: 'a fox', n: 1, response_format: 'b64_json' });
  expect((r.providerMetadata.openai as any).images[0].revisedPrompt).toStartWith('A high-resolution photograph of a red fox');
  for (const res of r.responses) {
    const row = await gw.waitForRow(res.headers!['x-request-id']!);
    expect(row).toMatchObject({ endpoint: 'images', provider: 'grok', model: 'grok-2-image-1212', status: 200, images: 1 });
    expect(row.costUsd).toBeGreaterThan(0);
  }
});

test("grok-2-image-1212 with a size: xAI takes none, so a 400 naming 'size' before any call", async () => {
  const before = grok.requests.length;
  const err = await generateImage({ model: ai.image('grok/grok-2-image-1212'), prompt: 'a fox', size: '1024x1024', maxRetries: 0 }).then(
    () => null,
    (e: unknown) => e as APICallError,
  );
  expect(APICallError.isInstance(err)).toBe(true);
  expect(err!.statusCode).toBe(400);
  expect(JSON.parse(err!.responseBody!).error).toMatchObject({ param: 'size', code: 'unsupported_parameter' });
  expect(grok.requests.length).toBe(before);
});
