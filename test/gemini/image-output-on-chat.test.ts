/**
 * Gemini's image-output models (gemini-2.5-flash-image, gemini-3-pro-image-preview) answer
 * generateContent with the picture as an `inlineData` part beside their text, and bill it as image
 * output tokens (1290 a 1024px picture, at $30 or $120 per 1M). Chat's OpenAI shape has no place
 * for it: the listed gemini-2.5-flash-image is refused on chat (use /v1/images/generations), and so
 * must one named `gemini/<id>` that the table does not list, which went up, had its picture dropped
 * from the answer and was billed for it all the same. Driven by the official openai client; each
 * request leaves one row, found by its x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';

let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-image-output-0123456789' } });
});

afterAll(async () => {
  await gw?.close();
  fake?.close();
});

/** What gemini-3-pro-image-preview answers: a line of text, then the picture inline; its image tokens counted apart. */
const pictureAnswer = {
  candidates: [
    {
      content: { role: 'model', parts: [{ text: 'Here is your cat.' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUg==' } }] },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 6,
    candidatesTokenCount: 1295,
    totalTokenCount: 1301,
    candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }, { modality: 'IMAGE', tokenCount: 1290 }],
  },
  responseId: 'img1',
};

const draw = [{ role: 'user' as const, content: 'Draw a cat' }];

test.each(['gemini/gemini-3-pro-image-preview', 'gemini/gemini-2.5-flash-image-preview', 'gemini-2.5-flash-image'])(
  '%s on /v1/chat/completions (stream and not): 400 model_not_supported naming /v1/images/generations, before any call; one 400 row each',
  async (model) => {
    // (nothing queued: the old gateway went up, and got the fake's 500)
    for (const stream of [false, true]) {
      const before = fake.requests.length;
      const err = await gw.openai().chat.completions.create({ model, messages: draw, stream }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'model_not_supported' });
      expect(err.message).toContain('/v1/images/generations');
      expect(fake.requests.length).toBe(before);
      expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'model_not_supported', costUsd: 0 });
    }
  },
);

test('gemini/gemini-3-pro-image-preview on /v1/responses: the same 400 (the bridge would drop the picture too); one row', async () => {
  const before = fake.requests.length;
  const err = await gw.openai().responses.create({ model: 'gemini/gemini-3-pro-image-preview', input: 'Draw a cat' }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  expect(err.error).toMatchObject({ param: 'model', code: 'model_not_supported' });
  expect(fake.requests.length).toBe(before);
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400 });
});

test('a Gemini chat model named gemini/<id> outside the table still goes up', async () => {
  fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 } } });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash-lite', messages: draw }).withResponse();
  expect(data.choices[0]!.message.content).toBe('Hi.');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200 });
});

test('the image model takes the prompt on /v1/images/generations, the picture coming back', async () => {
  fake.reply({ json: pictureAnswer });
  const { data, response } = await gw.openai().images.generate({ model: 'gemini/gemini-3-pro-image-preview', prompt: 'a cat', response_format: 'b64_json' }).withResponse();
  expect(data.data?.[0]?.b64_json).toBe('iVBORw0KGgoAAAANSUhEUg==');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200 });
});
