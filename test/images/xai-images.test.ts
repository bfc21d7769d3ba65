/** xAI image generation (grok-2-image-1212 and successors) through POST /v1/images/generations. */
import { afterAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureText, jsonResponse, rawJsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { chatSchemaErrors } from '../responses/openai-schema';

const xai = startFakeUpstream();
let gw: TestGateway;
let client: OpenAI;
useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  { env: providerEnv('grok', `${xai.url}/v1`) },
);
afterAll(() => xai.close());

test('grok-2-image-1212: OpenAI body goes to xAI, the answer gains `created`, cost is per image', async () => {
  const raw = fixtureText('images', 'xai-grok-2-image-url.json');
  xai.handler = () => rawJsonResponse(raw);
  const { data, response } = await client.images.generate({ model: 'grok-2-image-1212', prompt: 'a red fox', n: 2 }).withResponse();
  expect(chatSchemaErrors('ImagesResponse', data)).toEqual([]);
  expect(data.data).toEqual(JSON.parse(raw).data);
  expect(typeof data.created).toBe('number');
  expect(response.headers.get('x-gophergate-provider')).toBe('grok');
  const sent = xai.last();
  expect(sent.path).toBe('/v1/images/generations');
  expect(sent.headers.authorization).toBe('Bearer sk-test-grok-key-0123456789');
  expect(sent.body).toEqual({ model: 'grok-2-image-1212', prompt: 'a red fox', n: 2 });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ endpoint: 'images', provider: 'grok', model: 'grok-2-image-1212', status: 200, images: 2 });
  expect(row.costUsd).toBeCloseTo(0.14, 6);
});

test('an answer that says what xAI billed (usage.cost_in_usd_ticks) is charged that, the per-image price kept beside it', async () => {
  const answer = { ...JSON.parse(fixtureText('images', 'xai-grok-2-image-url.json')), usage: { cost_in_usd_ticks: 400_000_000 } };
  xai.handler = () => jsonResponse(answer);
  const { response } = await client.images.generate({ model: 'grok-2-image-1212', prompt: 'a red fox', n: 2 }).withResponse();
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ images: 2, promptTokens: 0, completionTokens: 0, costUnknown: false });
  expect(row.costUsd).toBeCloseTo(0.04, 12);
  expect(row.providerCostUsd).toBeCloseTo(0.04, 12);
  expect(row.computedCostUsd).toBeCloseTo(0.14, 12);
});

test('b64_json is forwarded; an answer that already has `created` goes out byte for byte', async () => {
  const raw = JSON.stringify({ created: 1757925000, data: [{ b64_json: 'iVBORw0KGgo=', revised_prompt: 'a fox' }] });
  xai.handler = () => rawJsonResponse(raw);
  const res = await gw.fetch('/v1/images/generations', {
    method: 'POST',
    body: JSON.stringify({ model: 'grok-2-image-1212', prompt: 'a fox', response_format: 'b64_json' }),
  });
  expect(await res.text()).toBe(raw);
  expect(xai.last().body.response_format).toBe('b64_json');
});

test('a successor not in the models table works as grok/<model>', async () => {
  xai.handler = () => rawJsonResponse(fixtureText('images', 'xai-grok-2-image-url.json'));
  const r = await client.images.generate({ model: 'grok/grok-imagine-image', prompt: 'a fox' });
  expect(r.data).toHaveLength(2);
  expect(xai.last().body.model).toBe('grok-imagine-image');
});

test('what xAI does not take is a 400 naming the parameter; chat models are refused; nothing goes upstream', async () => {
  const before = xai.requests.length;
  for (const [param, extra] of [['size', { size: '1024x1024' }], ['quality', { quality: 'hd' }], ['style', { style: 'vivid' }]] as const) {
    const err = await apiError(client.images.generate({ model: 'grok-2-image-1212', prompt: 'x', ...extra } as any));
    expect(err.status).toBe(400);
    expect((err.error as any).param).toBe(param);
  }
  const chat = await apiError(client.images.generate({ model: 'grok-3-mini', prompt: 'x' }));
  expect(chat.status).toBe(400);
  expect((chat.error as any).param).toBe('model');
  expect(xai.requests.length).toBe(before);
});

test("xAI's moderation 400 is OpenAI's content_policy_violation (param prompt), in its shape, with one row", async () => {
  // xAI's words, and the same in other case: matched on "content moderation", case aside.
  for (const words of ['Generated image rejected by content moderation.', 'Image REJECTED by Content Moderation']) {
    xai.handler = () => jsonResponse({ code: 'Client specified an invalid argument', error: words }, 400);
    const err = await apiError(client.images.generate({ model: 'grok-2-image-1212', prompt: 'x' }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'content_policy_violation', param: 'prompt' });
    expect(err.message).toContain(words);
    const id = err.headers?.get('x-request-id');
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'content_policy_violation', provider: 'grok', images: 0 });
    expect(gw.logs.filter((l) => l.requestId === id)).toHaveLength(1);
  }
  // Another xAI 400 keeps its own words and no param.
  xai.handler = () => jsonResponse({ code: 'Client specified an invalid argument', error: 'Prompt too long.' }, 400);
  const other = await apiError(client.images.generate({ model: 'grok-2-image-1212', prompt: 'x' }));
  expect(other.error).toMatchObject({ code: 'upstream_error', param: null });
});

test("images withheld by xAI's moderation (respect_moderation: false, no url) are dropped and not billed; none left is a 400 content_policy_violation", async () => {
  // Partly withheld: the client gets the image xAI made, the row bills one.
  xai.handler = () =>
    jsonResponse({ block_reason: null, data: [{ url: 'https://imgen.x.ai/xai-imgen/a.jpeg', b64_json: null, revised_prompt: 'a fox' }, { url: null, b64_json: null, respect_moderation: false }] });
  const { data, response } = await client.images.generate({ model: 'grok-2-image-1212', prompt: 'two foxes', n: 2 }).withResponse();
  expect(data.data!.map((d) => d.url)).toEqual(['https://imgen.x.ai/xai-imgen/a.jpeg']);
  expect(chatSchemaErrors('ImagesResponse', data)).toEqual([]);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, images: 1 });
  expect(row.costUsd).toBeCloseTo(0.07, 9);

  // All withheld: not a 200 with `url: null` (the SDK read no image from it, the row billed one).
  xai.handler = () => jsonResponse({ data: [{ url: null, b64_json: null, respect_moderation: false }] });
  const err = await apiError(client.images.generate({ model: 'grok-2-image-1212', prompt: 'x' }));
  expect(err.status).toBe(400);
  expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'content_policy_violation', param: 'prompt' });
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'content_policy_violation', provider: 'grok', images: 0, costUsd: 0 });

  // A blocked prompt that says what xAI billed keeps that cost on the row.
  xai.handler = () => jsonResponse({ block_reason: 'SAFETY_CHECK_TYPE_CSAM', data: [], usage: { cost_in_usd_ticks: 20_000_000 } });
  const blocked = await apiError(client.images.generate({ model: 'grok-2-image-1212', prompt: 'x' }));
  expect([blocked.status, (blocked.error as any).code]).toEqual([400, 'content_policy_violation']);
  expect(blocked.message).toContain('SAFETY_CHECK_TYPE_CSAM');
  const billed = await gw.waitForRow(blocked);
  expect(billed).toMatchObject({ status: 400, images: 0 });
  expect(billed.costUsd).toBeCloseTo(0.002, 12);

  // No entries and no reason: no_image, as for Gemini's image models.
  xai.handler = () => jsonResponse({ data: [] });
  const none = await apiError(client.images.generate({ model: 'grok-2-image-1212', prompt: 'x' }));
  expect([none.status, (none.error as any).code]).toEqual([400, 'no_image']);
});
