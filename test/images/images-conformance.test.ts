/**
 * POST /v1/images/generations in OpenAI's shape for each provider that makes images (OpenAI,
 * Gemini's Imagen and Flash Image, xAI), with `url` and with `b64_json`, through the real gateway
 * over HTTP: the raw JSON validates by Ajv against OpenAI's ImagesResponse (created in whole seconds).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const image = (name: string) => fixtureJson('images', name);
/** OpenAI and xAI answer `url` unless b64_json is asked for (gpt-image-1: always b64_json). */
const compatibleImages = (urlFixture: string) => (_req: Request, rec: { body: any }) =>
  rec.body.response_format === 'b64_json' || rec.body.model === 'gpt-image-1'
    ? jsonResponse(rec.body.model === 'gpt-image-1' ? image('openai-gpt-image-1.json') : image('openai-dalle2-b64.json'))
    : jsonResponse(image(urlFixture));

let openai: FakeUpstream;
let gemini: FakeUpstream;
let xai: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  openai = startFakeUpstream(compatibleImages('openai-dalle3-url.json'));
  xai = startFakeUpstream(compatibleImages('xai-grok-2-image-url.json'));
  gemini = startFakeUpstream((_req, rec) =>
    rec.path.endsWith(':predict') ? jsonResponse(image('gemini-imagen-predict.json')) : jsonResponse(image('gemini-flash-image-generate-content.json')),
  );
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('grok', `${xai.url}/v1`), ...providerEnv('gemini', gemini.url) } });
});
afterAll(async () => {
  await gw.close();
  for (const f of [openai, gemini, xai]) f.close();
});

const MODELS = ['dall-e-3', 'gpt-image-1', 'imagen-4.0-generate-001', 'gemini-2.5-flash-image', 'grok-2-image-1212'];

describe('ImagesResponse', () => {
  for (const model of MODELS) {
    for (const format of ['url', 'b64_json'] as const) {
      // gpt-image-1 answers b64_json only (OpenAI refuses response_format for it).
      if (model === 'gpt-image-1' && format === 'url') continue;
      test(`${model}, ${format}`, async () => {
        const res = await gw.fetch('/v1/images/generations', {
          method: 'POST',
          body: JSON.stringify({ model, prompt: 'a fox', ...(model === 'gpt-image-1' ? {} : { response_format: format }) }),
        });
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(openaiSchemaErrors('ImagesResponse', body)).toEqual([]);
        expect(body.data.length).toBeGreaterThan(0);
        for (const d of body.data) expect(typeof d[format]).toBe('string');
      });
    }
  }
});
