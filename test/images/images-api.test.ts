import { afterAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { clients, modelGroups } from '../../src/db/schema';
import { fixtureText, jsonResponse, rawJsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { schemaErrors } from '../responses/openai-schema';

let replies: Record<string, () => Response | Promise<Response>> = {};
const noReply = () => jsonResponse({ error: { message: 'no reply set' } }, 500);
const openai = startFakeUpstream((_req, s) => replies[`openai ${s.path}`]?.() ?? noReply());
const gemini = startFakeUpstream((_req, s) => replies[`gemini ${s.path}`]?.() ?? noReply());
const fixture = async (name: string) => fixtureText('images', name);
let gw: TestGateway;
let client: OpenAI;

useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  {
    env: {
      ...providerEnv('openai', `${openai.url}/v1`, { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai' }),
      ...providerEnv('gemini', gemini.url, { LLM_PROXY__PROVIDERS__GEMINI__API_KEY: 'gm-test-key' }),
      ...providerEnv('deepseek', openai.url, { LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-test-deepseek' }),
    },
  },
);
afterAll(() => {
  openai.close();
  gemini.close();
});

function last(up: FakeUpstream) {
  return up.requests[up.requests.length - 1]!;
}

describe('POST /v1/images/generations', () => {
  test('OpenAI dall-e-3 with url: body passed through, answer byte for byte, per-image cost logged', async () => {
    const raw = await fixture('openai-dalle3-url.json');
    replies['openai /v1/images/generations'] = () => rawJsonResponse(raw);
    const res = await client.images.generate({ model: 'dall-e-3', prompt: 'a red fox', size: '1792x1024', quality: 'hd', style: 'natural' }).withResponse();
    expect(res.data).toEqual(JSON.parse(raw));
    expect(res.response.headers.get('x-gophergate-provider')).toBe('openai');
    expect(res.response.headers.get('x-gophergate-model')).toBe('dall-e-3');
    expect(Number(res.response.headers.get('x-gophergate-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const sent = last(openai);
    expect(sent.headers.authorization).toBe('Bearer sk-test-openai');
    expect(sent.body).toEqual({ model: 'dall-e-3', prompt: 'a red fox', size: '1792x1024', quality: 'hd', style: 'natural' });
    const row = await gw.waitForRow(res);
    expect(row).toMatchObject({ endpoint: 'images', provider: 'openai', model: 'dall-e-3', status: 200, images: 1, clientId: gw.clientId });
    // OpenAI's price of an HD 1792x1024 dall-e-3 image: $0.12, three times the $0.04 of the default one.
    expect(row.costUsd).toBeCloseTo(0.12, 6);
  });

  test('the row bills what OpenAI bills for the size and quality asked (dall-e-2, dall-e-3, gpt-image-1 by its tokens)', async () => {
    const cases: [Record<string, unknown>, unknown, number][] = [
      [{ model: 'dall-e-3' }, { created: 1, data: [{ url: 'https://x/a.png' }] }, 0.04],
      [{ model: 'dall-e-3', quality: 'hd' }, { created: 1, data: [{ url: 'https://x/a.png' }] }, 0.08],
      [{ model: 'dall-e-3', size: '1024x1792' }, { created: 1, data: [{ url: 'https://x/a.png' }] }, 0.08],
      [{ model: 'dall-e-2', size: '256x256', n: 2 }, { created: 1, data: [{ url: 'https://x/a.png' }, { url: 'https://x/b.png' }] }, 0.032],
      [{ model: 'dall-e-2', size: '512x512' }, { created: 1, data: [{ url: 'https://x/a.png' }] }, 0.018],
      // gpt-image-1 by its output tokens at OpenAI's $40 per 1M image output tokens (a default image's
      // 1056 of them are its seeded price, $0.04224): high 1536x1024 is 6240 of them ($0.2496, which
      // OpenAI's table rounds to $0.25), low 1024x1024 272 ($0.01088); plus 10 prompt tokens at $5/1M.
      [{ model: 'gpt-image-1', quality: 'high', size: '1536x1024' },
        { created: 1, data: [{ b64_json: 'iVBORw0KGgo=' }], usage: { input_tokens: 10, input_tokens_details: { text_tokens: 10, image_tokens: 0 }, output_tokens: 6240, total_tokens: 6250 } },
        6240 * 40e-6 + 10 * 5e-6],
      [{ model: 'gpt-image-1', quality: 'low' },
        { created: 1, data: [{ b64_json: 'iVBORw0KGgo=' }], usage: { input_tokens: 10, input_tokens_details: { text_tokens: 10, image_tokens: 0 }, output_tokens: 272, total_tokens: 282 } },
        272 * 40e-6 + 10 * 5e-6],
    ];
    for (const [params, answer, cost] of cases) {
      replies['openai /v1/images/generations'] = () => jsonResponse(answer);
      const { response } = await client.images.generate({ prompt: 'a fox', ...params } as any).withResponse();
      const row = await gw.waitForRow(response);
      expect([params, row.costUsd]).toEqual([params, expect.closeTo(cost, 9)]);
    }
  });

  test('OpenAI dall-e-2 with b64_json and n=2', async () => {
    const raw = await fixture('openai-dalle2-b64.json');
    replies['openai /v1/images/generations'] = () => rawJsonResponse(raw);
    const res = await client.images.generate({ model: 'dall-e-2', prompt: 'two cats', n: 2, response_format: 'b64_json', size: '512x512' });
    expect(res.data).toHaveLength(2);
    expect(res.data![0]!.b64_json).toBe(JSON.parse(raw).data[0].b64_json);
    expect(last(openai).body).toMatchObject({ n: 2, response_format: 'b64_json', size: '512x512' });
  });

  test('gpt-image-1: tokens reported by OpenAI are logged beside the image', async () => {
    replies['openai /v1/images/generations'] = async () => rawJsonResponse(await fixture('openai-gpt-image-1.json'));
    const { data: res, response } = await client.images.generate({ model: 'gpt-image-1', prompt: 'a lighthouse', response_format: 'b64_json' }).withResponse();
    expect(res.usage).toMatchObject({ input_tokens: 14, output_tokens: 1056 });
    expect(last(openai).body).toEqual({ model: 'gpt-image-1', prompt: 'a lighthouse' });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ promptTokens: 14, completionTokens: 1056, images: 1 });
    // 14 prompt tokens at $5 per 1M, 1056 image tokens at $40 per 1M.
    expect(row.costUsd).toBeCloseTo(14 * 5e-6 + 1056 * 40e-6, 12);
  });

  test("gpt-image-1 without response_format: OpenAI's b64_json comes back as OpenAI sent it", async () => {
    const raw = await fixture('openai-gpt-image-1.json');
    replies['openai /v1/images/generations'] = () => rawJsonResponse(raw);
    const { data: res, response } = await client.images.generate({ model: 'gpt-image-1', prompt: 'a lighthouse' }).withResponse();
    expect(res).toEqual(JSON.parse(raw));
    expect(res.data![0]!.b64_json).toBe(JSON.parse(raw).data[0].b64_json);
    expect(schemaErrors('ImagesResponse', res)).toEqual([]);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, images: 1 });
  });

  test('gemini image answering only text: 400 no_image with the model\'s words, one row', async () => {
    replies['gemini /v1beta/models/gemini-2.5-flash-image:generateContent'] = () =>
      jsonResponse({ candidates: [{ content: { role: 'model', parts: [{ text: 'I cannot draw real people.' }] }, finishReason: 'STOP' }] });
    const err = await apiError(client.images.generate({ model: 'gemini-2.5-flash-image', prompt: 'a photo of a senator' }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'no_image', param: 'prompt' });
    expect(err.message).toContain('I cannot draw real people.');
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'no_image', images: 0, provider: 'gemini' });
  });

  test('gemini image blocked for safety: the client gets 400 content_policy_violation, the row bills the prompt tokens Google bills', async () => {
    replies['gemini /v1beta/models/gemini-2.5-flash-image:generateContent'] = () =>
      jsonResponse({ candidates: [{ finishReason: 'IMAGE_SAFETY', index: 0 }], usageMetadata: { promptTokenCount: 1200, totalTokenCount: 1200 } });
    const err = await apiError(client.images.generate({ model: 'gemini-2.5-flash-image', prompt: 'something blocked' }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'content_policy_violation', param: 'prompt' });
    expect(err.message).toContain('IMAGE_SAFETY');
    const row = await gw.waitForRow(err);
    expect(row).toMatchObject({ status: 400, errorType: 'content_policy_violation', provider: 'gemini', images: 0, promptTokens: 1200, completionTokens: 0 });
    const inputPrice = gw.ctx.state.getSnapshot().models.get('gemini-2.5-flash-image')!.prices!.input;
    expect(inputPrice).toBeGreaterThan(0);
    expect(row.costUsd).toBeCloseTo((1200 * inputPrice) / 1e6, 9);
  });

  test("a prompt over a Gemini image model's window: 400 context_length_exceeded naming 'prompt' (the images field, not chat's messages)", async () => {
    replies['gemini /v1beta/models/gemini-2.5-flash-image:generateContent'] = () =>
      jsonResponse({ error: { code: 400, message: 'The input token count (40000) exceeds the maximum number of tokens allowed (32768).', status: 'INVALID_ARGUMENT' } }, 400);
    const err = await apiError(client.images.generate({ model: 'gemini-2.5-flash-image', prompt: 'a fox '.repeat(20_000) }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'prompt' });
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, provider: 'gemini', images: 0 });
  });

  test("OpenAI's defaults background and moderation 'auto' are taken by Imagen and Gemini image models (nothing sent); another value is a 400 naming it", async () => {
    replies['gemini /v1beta/models/imagen-4.0-generate-001:predict'] = async () => jsonResponse(JSON.parse(await fixture('gemini-imagen-predict.json')));
    replies['gemini /v1beta/models/gemini-2.5-flash-image:generateContent'] = async () => jsonResponse(JSON.parse(await fixture('gemini-flash-image-generate-content.json')));
    for (const model of ['imagen-4.0-generate-001', 'gemini-2.5-flash-image']) {
      const { response } = await client.images.generate({ model, prompt: 'a fox', background: 'auto', moderation: 'auto' }).withResponse();
      expect(await gw.waitForRow(response)).toMatchObject({ status: 200, model });
      expect(JSON.stringify(last(gemini).body)).not.toMatch(/background|moderation/);
      const err = await apiError(client.images.generate({ model, prompt: 'a fox', background: 'transparent' }));
      expect([err.status, (err.error as any).param, (err.error as any).code]).toEqual([400, 'background', 'unsupported_parameter']);
    }
  });

  test('Gemini Imagen: :predict with sampleCount and aspectRatio, data: URI in url', async () => {
    const raw = JSON.parse(await fixture('gemini-imagen-predict.json'));
    replies['gemini /v1beta/models/imagen-4.0-generate-001:predict'] = () => jsonResponse(raw);
    const { data: res, response } = await client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a fox', n: 2, size: '1024x1792' }).withResponse();
    expect(schemaErrors('ImagesResponse', res)).toEqual([]);
    expect(res.data!.map((d) => d.url)).toEqual(raw.predictions.map((p: any) => `data:image/png;base64,${p.bytesBase64Encoded}`));
    const sent = last(gemini);
    expect(sent.path).toBe('/v1beta/models/imagen-4.0-generate-001:predict');
    expect(sent.headers['x-goog-api-key']).toBe('gm-test-key');
    expect(sent.body).toEqual({ instances: [{ prompt: 'a fox' }], parameters: { sampleCount: 2, aspectRatio: '9:16' } });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ provider: 'gemini', model: 'imagen-4.0-generate-001', images: 2 });
    expect(row.costUsd).toBeCloseTo(0.08, 6);

    const b64 = await client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a fox', response_format: 'b64_json' });
    expect(b64.data![0]).toEqual({ b64_json: raw.predictions[0].bytesBase64Encoded });
  });

  test('gemini-2.5-flash-image: generateContent with responseModalities IMAGE', async () => {
    const raw = JSON.parse(await fixture('gemini-flash-image-generate-content.json'));
    replies['gemini /v1beta/models/gemini-2.5-flash-image:generateContent'] = () => jsonResponse(raw);
    const { data: res, response } = await client.images
      .generate({ model: 'gemini-2.5-flash-image', prompt: 'a fox', response_format: 'b64_json', size: '1536x1024' })
      .withResponse();
    expect(schemaErrors('ImagesResponse', res)).toEqual([]);
    expect(res.data![0]!.b64_json).toBe(raw.candidates[0].content.parts[0].inlineData.data);
    expect(res.usage).toMatchObject({ input_tokens: 9, output_tokens: 1290, total_tokens: 1299 });
    expect(last(gemini).body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a fox' }] }],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '3:2' } },
    });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ model: 'gemini-2.5-flash-image', promptTokens: 9, completionTokens: 1290, images: 1 });
    // Google bills the image's 1290 output tokens at $30 per 1M ($0.0387; its pricing page rounds to
    // $0.039) and the 9 prompt tokens at $0.30 per 1M.
    expect(row.costUsd).toBeCloseTo(1290 * 30e-6 + 9 * 0.3e-6, 12);
  });

  test('bad parameters are 400s naming the parameter; nothing goes upstream', async () => {
    const before = openai.requests.length + gemini.requests.length;
    const style = await apiError(client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'x', style: 'vivid' }));
    expect(style.status).toBe(400);
    expect((style.error as any).param).toBe('style');
    const n = await apiError(client.images.generate({ model: 'dall-e-3', prompt: 'x', n: 2 }));
    expect(n.status).toBe(400);
    expect((n.error as any).param).toBe('n');
    const size = await apiError(client.images.generate({ model: 'imagen-3.0-generate-002', prompt: 'x', size: '1536x1024' }));
    expect((size.error as any).param).toBe('size');
    const chat = await apiError(client.images.generate({ model: 'deepseek-chat', prompt: 'x' }));
    expect(chat.status).toBe(400);
    expect((chat.error as any).param).toBe('model');
    const unknown = await apiError(client.images.generate({ model: 'no-such-model', prompt: 'x' }));
    expect(unknown.status).toBe(404);
    expect(openai.requests.length + gemini.requests.length).toBe(before);
  });

  test('a body that is not a JSON object (an array, null, a number) is a 400 saying so, as on the other endpoints, one row each', async () => {
    for (const body of ['[]', 'null', '42', '"dall-e-3"']) {
      const r = await fetch(`${gw.url}/v1/images/generations`, {
        method: 'POST', headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' }, body,
      });
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect(((await r.json()) as any).error).toMatchObject({ type: 'invalid_request_error', param: null, message: 'The request body must be a JSON object.' });
      expect((await gw.waitForRow(r)).status).toBe(400);
    }
  });

  test('an upstream error comes back in OpenAI shape and is logged', async () => {
    replies['openai /v1/images/generations'] = () =>
      jsonResponse({ error: { message: 'Your request was rejected by the safety system.', type: 'invalid_request_error', code: 'content_policy_violation' } }, 400);
    const err = await apiError(client.images.generate({ model: 'dall-e-3', prompt: 'x' }));
    expect(err.status).toBe(400);
    expect(err.message).toContain('safety system');
    const row = await gw.waitForRow(err);
    expect(row).toMatchObject({ status: 400, images: 0, provider: 'openai' });
  });

  test("a budget reserves what the request's quality and size may cost: a $0.10 key cannot start a $0.12 dall-e-3 HD 1792 image, but can a $0.04 standard one", async () => {
    const c = gw.addClient('image budget');
    gw.ctx.db.update(clients).set({ budgetUsd: 0.1, budgetPeriod: 'day' }).where(eq(clients.id, c.id)).run();
    await gw.ctx.limits.seed(gw.ctx.state.reload());
    const limited = gw.openai(c.key);
    const before = openai.requests.length;
    const err = await apiError(limited.images.generate({ model: 'dall-e-3', prompt: 'x', size: '1792x1024', quality: 'hd' }));
    expect(err.status).toBe(429);
    expect(err.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    expect(openai.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 429, costUsd: 0 });
    // The request's own quality and size are reserved, not the model's dearest image: a standard
    // 1024x1024 dall-e-3 image ($0.04) fits (it reserved $0.12 before).
    replies['openai /v1/images/generations'] = () => jsonResponse({ created: 1, data: [{ url: 'https://x/1.png' }] });
    const std = await limited.images.generate({ model: 'dall-e-3', prompt: 'x', quality: 'standard', size: '1024x1024' }).withResponse();
    expect((await gw.waitForRow(std.response)).costUsd).toBeCloseTo(0.04, 6);
    // gpt-image-1 at low quality, square: 272 output tokens (~$0.011), where its dearest image reserved ~$0.25.
    replies['openai /v1/images/generations'] = () =>
      jsonResponse({ created: 1, data: [{ b64_json: 'iVBORw0KGgo=' }], usage: { input_tokens: 3, input_tokens_details: { text_tokens: 3, image_tokens: 0 }, output_tokens: 272, total_tokens: 275 } });
    const low = await limited.images.generate({ model: 'gpt-image-1', prompt: 'x', quality: 'low', size: '1024x1024' }).withResponse();
    expect((await gw.waitForRow(low.response)).costUsd).toBeCloseTo(272 * 40e-6 + 3 * 5e-6, 9);
    // About $0.049 is left: an hd dall-e-3 image ($0.08) is refused, two small dall-e-2 ones ($0.032) are not.
    const hd = await apiError(limited.images.generate({ model: 'dall-e-3', prompt: 'x', quality: 'hd' }));
    expect([hd.status, (hd.error as any).code]).toEqual([429, 'budget_exceeded']);
    expect(await gw.waitForRow(hd)).toMatchObject({ status: 429, costUsd: 0 });
    replies['openai /v1/images/generations'] = () => jsonResponse({ created: 1, data: [1, 2].map((i) => ({ url: `https://x/${i}.png` })) });
    const { response } = await limited.images.generate({ model: 'dall-e-2', prompt: 'x', n: 2, size: '256x256' }).withResponse();
    expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(0.032, 6);
  });

  test("a group skips targets that cannot make the n asked for; a model named directly keeps its 400", async () => {
    gw.ctx.db.insert(modelGroups).values({ name: 'pictures', strategy: 'heuristic', targets: ['dall-e-3', 'imagen-4.0-generate-001', 'dall-e-2'], updatedAt: Date.now() }).run();
    gw.ctx.db.insert(modelGroups).values({ name: 'single-shots', strategy: 'heuristic', targets: ['dall-e-3', 'gemini-2.5-flash-image'], updatedAt: Date.now() }).run();
    gw.ctx.state.reload();
    const raw = JSON.parse(await fixture('gemini-imagen-predict.json'));
    replies['gemini /v1beta/models/imagen-4.0-generate-001:predict'] = () => jsonResponse(raw);
    replies['openai /v1/images/generations'] = () => jsonResponse({ created: 1, data: [1, 2, 3, 4, 5].map((i) => ({ url: `https://x/${i}.png` })) });

    // n=2: dall-e-3 makes one image per request, so Imagen (up to 4) answers.
    const two = await client.images.generate({ model: 'pictures', prompt: 'two foxes', n: 2 }).withResponse();
    expect(two.response.headers.get('x-gophergate-model')).toBe('imagen-4.0-generate-001');
    expect(two.response.headers.get('x-gophergate-route')).toBe('pictures>imagen-4.0-generate-001');
    expect(last(gemini).body).toMatchObject({ parameters: { sampleCount: 2 } });
    const rowTwo = await gw.waitForRow(two.response);
    expect(rowTwo).toMatchObject({ status: 200, provider: 'gemini', model: 'imagen-4.0-generate-001', modelRequested: 'pictures', images: 2 });
    expect(rowTwo.attempts).toBeNull(); // one try: dall-e-3 was skipped, not tried

    // n=5: only dall-e-2 takes it.
    const five = await client.images.generate({ model: 'pictures', prompt: 'five foxes', n: 5 }).withResponse();
    expect(five.data.data).toHaveLength(5);
    expect(last(openai).body).toMatchObject({ model: 'dall-e-2', n: 5 });
    expect(await gw.waitForRow(five.response)).toMatchObject({ status: 200, model: 'dall-e-2', images: 5 });

    // n=1 still goes to the group's first target.
    replies['openai /v1/images/generations'] = () => jsonResponse({ created: 1, data: [{ url: 'https://x/1.png' }] });
    const one = await client.images.generate({ model: 'pictures', prompt: 'a fox' }).withResponse();
    expect(last(openai).body).toMatchObject({ model: 'dall-e-3' });
    expect(await gw.waitForRow(one.response)).toMatchObject({ status: 200, model: 'dall-e-3' });

    // No target of the group makes 2 per request: a 400 naming each limit, nothing upstream, one row.
    const before = openai.requests.length + gemini.requests.length;
    const none = await apiError(client.images.generate({ model: 'single-shots', prompt: 'x', n: 2 }));
    expect(none.status).toBe(400);
    expect(none.error).toMatchObject({ type: 'invalid_request_error', param: 'n', code: 'unsupported_parameter' });
    expect(none.message).toContain("No model of group 'single-shots'");
    expect(none.message).toContain('dall-e-3 makes at most 1');
    expect(await gw.waitForRow(none)).toMatchObject({ status: 400, modelRequested: 'single-shots', images: 0 });
    // n above every API's limit keeps the common message.
    const eleven = await apiError(client.images.generate({ model: 'pictures', prompt: 'x', n: 11 }));
    expect([eleven.status, (eleven.error as any).param, (eleven.error as any).message]).toEqual([400, 'n', "'n' must be an integer from 1 to 10."]);
    // A model named directly is not rerouted.
    const direct = await apiError(client.images.generate({ model: 'dall-e-3', prompt: 'x', n: 2 }));
    expect(direct.message).toContain("'n' is not supported by model 'dall-e-3'");
    expect(await gw.waitForRow(direct)).toMatchObject({ status: 400, model: 'dall-e-3' });
    expect(openai.requests.length + gemini.requests.length).toBe(before);
  });

  test('a 200 that is not JSON is a retryable upstream failure: the group falls back, the breaker counts it', async () => {
    gw.ctx.db.insert(modelGroups).values({ name: 'html-first', strategy: 'heuristic', targets: ['dall-e-3', 'imagen-4.0-generate-001'], updatedAt: Date.now() }).run();
    gw.ctx.state.reload();
    replies['openai /v1/images/generations'] = () => new Response('<html><body>502 Bad Gateway</body></html>', { headers: { 'content-type': 'text/html' } });
    replies['gemini /v1beta/models/imagen-4.0-generate-001:predict'] = async () => jsonResponse(JSON.parse(await fixture('gemini-imagen-predict.json')));
    const failuresOf = () => gw.ctx.breakers.keysOf('openai', 'dall-e-3').map((k) => gw.ctx.breakers.peek(k)?.failures ?? 0);
    const before = failuresOf();

    const res = await client.images.generate({ model: 'html-first', prompt: 'a fox' }).withResponse();
    expect(res.response.headers.get('x-gophergate-model')).toBe('imagen-4.0-generate-001');
    const row = await gw.waitForRow(res.response);
    expect(row).toMatchObject({ status: 200, provider: 'gemini', modelRequested: 'html-first' });
    expect(JSON.parse(row.attempts!).map((a: any) => [a.model, a.status])).toEqual([['dall-e-3', 502], ['imagen-4.0-generate-001', 200]]);
    expect(failuresOf()).toEqual(before.map((n) => n + 1));

    // Named directly: a 502 in OpenAI's shape, counted again.
    const err = await apiError(client.images.generate({ model: 'dall-e-3', prompt: 'a fox' }));
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
    expect(err.message).toContain('not JSON');
    expect(failuresOf()).toEqual(before.map((n) => n + 2));
  });

  test('without a client key: 401', async () => {
    const anon = gw.openai('wrong');
    expect((await apiError(anon.images.generate({ model: 'dall-e-3', prompt: 'x' }))).status).toBe(401);
  });
});
