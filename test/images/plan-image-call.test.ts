import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { planImageCall } from '../../src/images/plan-image-call';
import type { ImageRequest } from '../../src/images/images-types';
import type { ProviderId } from '../../src/providers/types';
import type { RouteTarget } from '../../src/routing/types';
import imagen from '../fixtures/images/gemini-imagen-predict.json';
import flash from '../fixtures/images/gemini-flash-image-generate-content.json';
import gptImage from '../fixtures/images/openai-gpt-image-1.json';
import { schemaErrors } from '../responses/openai-schema';

const settings = (id: ProviderId, baseUrl: string) => ({ id, enabled: true, baseUrl, apiKey: 'k-test' });
const target = (provider: ProviderId, model: string, kind: 'image' | 'chat' | null = 'image'): RouteTarget => ({
  provider,
  upstreamModel: model,
  modelId: model,
  entry: kind ? ({ id: model, provider, upstreamId: model, kind, enabled: true, prices: {} } as any) : null,
});

function plan(req: Partial<ImageRequest>, provider: ProviderId, model: string, kind: 'image' | 'chat' | null = 'image') {
  const base = provider === 'gemini' ? 'http://127.0.0.1:9/' : 'http://127.0.0.1:9/v1';
  return planImageCall({ model, prompt: 'a fox', ...req } as ImageRequest, target(provider, model, kind), settings(provider, base));
}

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return err as ApiError;
  }
  throw new Error('expected a 400');
}

describe('planImageCall', () => {
  test('Imagen: :predict with sampleCount and aspectRatio from size; data: URI or b64_json back', () => {
    const p = plan({ n: 2, size: '1792x1024' }, 'gemini', 'imagen-4.0-generate-001');
    expect(p.call.url).toBe('http://127.0.0.1:9/v1beta/models/imagen-4.0-generate-001:predict');
    expect(p.call.headers['x-goog-api-key']).toBe('k-test');
    expect(JSON.parse(p.call.body!)).toEqual({ instances: [{ prompt: 'a fox' }], parameters: { sampleCount: 2, aspectRatio: '16:9' } });
    const res = p.parse(imagen, JSON.stringify(imagen));
    expect(res.images).toBe(2);
    expect(res.body.data[0]!.url).toBe(`data:image/png;base64,${imagen.predictions[0]!.bytesBase64Encoded}`);
    expect(schemaErrors('ImagesResponse', res.body)).toEqual([]);
    // Google's own spelling of the model names it too (it went into the URL as models%2Fimagen-…: a 404).
    expect(plan({ n: 4 }, 'gemini', 'models/imagen-4.0-generate-001').call.url).toBe('http://127.0.0.1:9/v1beta/models/imagen-4.0-generate-001:predict');
    expect(plan({}, 'gemini', 'models/gemini-2.5-flash-image').call.url).toBe(plan({}, 'gemini', 'gemini-2.5-flash-image').call.url);
    const b64 = plan({ response_format: 'b64_json' }, 'gemini', 'imagen-3.0-generate-002').parse(imagen, '');
    expect(b64.body.data[1]).toEqual({ b64_json: imagen.predictions[1]!.bytesBase64Encoded });
  });

  test('gemini-*-image: generateContent with responseModalities IMAGE, inlineData back, tokens reported', () => {
    const p = plan({ size: '1024x1536' }, 'gemini', 'gemini-2.5-flash-image');
    expect(p.call.url).toBe('http://127.0.0.1:9/v1beta/models/gemini-2.5-flash-image:generateContent');
    expect(JSON.parse(p.call.body!)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a fox' }] }],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '2:3' } },
    });
    const res = p.parse(flash, JSON.stringify(flash));
    expect(res.images).toBe(1);
    expect(res.body.data[0]!.url).toStartWith('data:image/png;base64,iVBOR');
    expect(res.usage).toEqual({ input: 9, cachedInput: 0, output: 1290, reasoning: 0 });
    expect(schemaErrors('ImagesResponse', res.body)).toEqual([]);
  });

  test('OpenAI: body passed through with the concrete model; gpt-image url requests get a data: URI', () => {
    const p = plan({ n: 1, size: '1024x1024', quality: 'hd', style: 'natural', response_format: 'url' }, 'openai', 'dall-e-3');
    expect(p.call.url).toBe('http://127.0.0.1:9/v1/images/generations');
    expect(p.call.headers.authorization).toBe('Bearer k-test');
    expect(JSON.parse(p.call.body!)).toEqual({ model: 'dall-e-3', prompt: 'a fox', n: 1, size: '1024x1024', quality: 'hd', style: 'natural', response_format: 'url' });
    const g = plan({ response_format: 'url' }, 'openai', 'gpt-image-1');
    expect(JSON.parse(g.call.body!).response_format).toBeUndefined();
    const res = g.parse(gptImage, JSON.stringify(gptImage));
    expect(res.raw).toBeUndefined();
    expect(res.body.data[0]!.url).toStartWith('data:image/png;base64,');
    expect(res.usage).toEqual({ input: 14, cachedInput: 0, output: 1056, reasoning: 0 });
    const raw = JSON.stringify(gptImage);
    expect(plan({ response_format: 'b64_json' }, 'openai', 'gpt-image-1').parse(gptImage, raw).raw).toBe(raw);
  });

  test("gpt-image without response_format answers OpenAI's own b64_json, byte for byte", () => {
    const raw = JSON.stringify(gptImage);
    const res = plan({}, 'openai', 'gpt-image-1').parse(gptImage, raw);
    expect(res.raw).toBe(raw);
    expect(res.body.data[0]!.b64_json).toBe(gptImage.data[0]!.b64_json);
    expect(res.body.data[0]!.url).toBeUndefined();
  });

  test('parameters a model cannot honour are 400s naming the parameter', () => {
    expect(rejection(() => plan({ style: 'vivid' }, 'gemini', 'imagen-4.0-generate-001')).param).toBe('style');
    expect(rejection(() => plan({ n: 5 }, 'gemini', 'imagen-4.0-generate-001')).param).toBe('n');
    expect(rejection(() => plan({ size: '1536x1024' }, 'gemini', 'imagen-3.0-generate-002')).param).toBe('size');
    expect(rejection(() => plan({ quality: 'hd' }, 'gemini', 'imagen-3.0-generate-002')).param).toBe('quality');
    expect(rejection(() => plan({ n: 2 }, 'gemini', 'gemini-2.5-flash-image')).param).toBe('n');
    expect(rejection(() => plan({ n: 2 }, 'openai', 'dall-e-3')).param).toBe('n');
    expect(rejection(() => plan({ size: '256x256' }, 'openai', 'dall-e-3')).param).toBe('size');
    expect(rejection(() => plan({ style: 'vivid' }, 'openai', 'dall-e-2')).param).toBe('style');
    expect(rejection(() => plan({ response_format: 'png' as any }, 'openai', 'dall-e-2')).param).toBe('response_format');
    expect(rejection(() => plan({ prompt: '' }, 'openai', 'dall-e-2')).param).toBe('prompt');
    expect(rejection(() => plan({}, 'deepseek', 'deepseek-chat', null)).message).toContain("'deepseek'");
    expect(rejection(() => plan({}, 'openai', 'gpt-4o', 'chat')).param).toBe('model');
    expect(rejection(() => plan({}, 'gemini', 'gemini-2.5-flash', null)).param).toBe('model');
  });

  test('a response without images is a clear error', () => {
    const p = plan({}, 'gemini', 'imagen-4.0-generate-001');
    const err = rejection(() => p.parse({ predictions: [{ raiFilteredReason: 'Unsafe content' }] }, ''));
    expect(err.code).toBe('content_policy_violation');
    expect(err.message).toContain('Unsafe content');
  });

  test("gemini image: a safety finish is content_policy_violation; a text-only answer is no_image with the model's words", () => {
    const p = plan({}, 'gemini', 'gemini-2.5-flash-image');
    const safety = rejection(() => p.parse({ candidates: [{ finishReason: 'IMAGE_SAFETY' }] }, ''));
    expect(safety).toMatchObject({ status: 400, code: 'content_policy_violation', param: 'prompt' });
    expect(safety.message).toContain('IMAGE_SAFETY');
    const blocked = rejection(() => p.parse({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }, ''));
    expect(blocked.code).toBe('content_policy_violation');
    const said = rejection(() => p.parse({ candidates: [{ content: { parts: [{ text: 'I can only draw animals.' }] }, finishReason: 'STOP' }] }, ''));
    expect(said).toMatchObject({ status: 400, code: 'no_image', param: 'prompt' });
    expect(said.message).toContain('I can only draw animals.');
    expect(rejection(() => p.parse({ candidates: [{ finishReason: 'NO_IMAGE' }] }, '')).code).toBe('no_image');
  });
});
