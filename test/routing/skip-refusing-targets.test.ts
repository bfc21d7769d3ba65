/**
 * A group whose target refuses a request before calling it (a parameter its provider cannot take:
 * Gemini's logprobs, DeepSeek's json_schema) moves on to its next target instead of answering
 * that target's 400; a model named directly, or a group none of whose targets takes it, keeps the
 * clear 400. Real gateway, openai SDK, fake upstreams; rows by request id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let openai: FakeUpstream;
let gemini: FakeUpstream;
let deepseek: FakeUpstream;
beforeAll(async () => {
  openai = startFakeUpstream((_req, rec) => (rec.body.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : jsonResponse(fixtureJson('openai', 'chat.json'))));
  gemini = startFakeUpstream(() => jsonResponse({ error: { message: 'should not be called' } }, 500));
  deepseek = startFakeUpstream(() => jsonResponse({ error: { message: 'should not be called' } }, 500));
  gw = await startGateway({
    env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('deepseek', deepseek.url) },
  });
  const now = Date.now();
  gw.ctx.db.insert(modelGroups).values([
    { name: 'gemini-then-openai', strategy: 'heuristic', targets: ['gemini-2.5-flash', 'gpt-4o-mini'], updatedAt: now },
    { name: 'gemini-then-deepseek', strategy: 'heuristic', targets: ['gemini-2.5-flash', 'deepseek-chat'], updatedAt: now },
  ]).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  for (const f of [openai, gemini, deepseek]) f.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];

test('logprobs on a group: Gemini refuses it before calling, so the group goes on to OpenAI; the row shows both', async () => {
  const { data, response } = await gw.openai().chat.completions.create({ model: 'gemini-then-openai', messages: hi, logprobs: true }).withResponse();
  expect(data.choices[0]!.message.content).toBeTruthy();
  expect(response.headers.get('x-gophergate-provider')).toBe('openai');
  expect(gemini.requests.length).toBe(0);
  expect(openai.last().body.logprobs).toBe(true);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, provider: 'openai' });
  expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['gemini', 400], ['openai', 200]]);
});

test('the model named directly keeps its clear 400, nothing sent', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'gemini-2.5-flash', messages: hi, logprobs: true }));
  expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'logprobs']);
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400 });
  expect(gemini.requests.length).toBe(0);
});

test('a group none of whose targets takes it answers the first refusal; nothing sent', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'gemini-then-deepseek', messages: hi, logprobs: true, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } }));
  expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'logprobs']);
  const row = await gw.waitForRow(err);
  expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['gemini', 400], ['deepseek', 400]]);
  expect(gemini.requests.length + deepseek.requests.length).toBe(0);
});

test('an image to the seeded fast-flow: DeepSeek reads text only, so the group goes on to OpenAI without calling it', async () => {
  // What DeepSeek itself answers to an image part (a 400 no group may fall back from).
  deepseek.handler = () =>
    jsonResponse({ error: { message: 'Failed to deserialize the JSON body into the target type: messages[1]: unknown variant `image_url`, expected `text` at line 1 column 180', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400);
  try {
    const content = [{ type: 'text' as const, text: 'What is in this picture?' }, { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }];
    for (const stream of [false, true]) {
      const { data, response } = await gw.openai().chat.completions.create({ model: 'fast-flow', messages: [{ role: 'user', content }], stream }).withResponse();
      if (stream) for await (const _ of data as AsyncIterable<unknown>);
      expect(response.headers.get('x-gophergate-route')).toBe('fast-flow>gpt-5.4-nano');
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ status: 200, provider: 'openai', model: 'gpt-5.4-nano', modelRequested: 'fast-flow' });
      expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['deepseek', 400], ['openai', 200]]);
    }
    expect(deepseek.requests.length).toBe(0);
    // Named directly: the gateway's own clear 400, naming the part, still nothing sent.
    const err = await apiError(gw.openai().chat.completions.create({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content }] }));
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'messages[0].content[1].type']);
    expect(deepseek.requests.length).toBe(0);
  } finally {
    deepseek.handler = () => jsonResponse({ error: { message: 'should not be called' } }, 500);
  }
});
