/**
 * Claude Code (and other agents) ask for 32000 output tokens. DeepSeek's deepseek-chat writes at
 * most 8192 and refuses more with a 400, so before the per-model output limit every turn routed
 * there failed. The gateway now sends each target at most its model's max_output_tokens, through
 * the official SDKs, on a DeepSeek fake that refuses as DeepSeek does; a model of unknown limit is
 * sent as asked; Anthropic's native body is lowered too; the admin API sets and clears the limit.
 */
import { expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { anthropicClient, foldChatChunks } from '../messages/messages-helpers';

const TEXT = readChunks('deepseek', 'text.chunks.txt');
/** DeepSeek's own refusal of a max_tokens above its model's output limit (deepseek-chat: 8192). */
const refusal = (limit: number) => jsonResponse({
  error: { message: `Invalid max_tokens value, the valid range of max_tokens is [1, ${limit}]`, type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
}, 400);
/** What the fake refuses per model: deepseek-chat as DeepSeek does; the rest (deepseek-v4-pro here) take anything. */
const LIMITS: Record<string, number> = { 'deepseek-chat': 8192 };

let deepseek: FakeUpstream;
let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let admin: Session;

const answer = (rec: RecordedRequest) => {
  const limit = LIMITS[rec.body.model];
  const asked = rec.body.max_tokens ?? rec.body.max_completion_tokens;
  if (limit && typeof asked === 'number' && asked > limit) return refusal(limit);
  return rec.body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT));
};

useGateway(async (g) => {
  gw = g;
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  gw.ctx.db.insert(modelGroups).values({ name: 'walk-two', strategy: 'heuristic', targets: ['deepseek-chat', 'gpt-4o'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
}, {
  env: (() => {
    deepseek = startFakeUpstream((_r, rec) => (rec.body.messages?.at(-1)?.content === 'fail here' ? jsonResponse({ error: { message: 'busy', type: 'server_error' } }, 503) : answer(rec)));
    openai = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(TEXT) : jsonResponse(foldChatChunks(TEXT))));
    anthropic = startFakeUpstream(() => jsonResponse(fixtureJson('anthropic', 'text.json')));
    return { ...providerEnv('deepseek', `${deepseek.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('anthropic', anthropic.url) };
  })(),
});

/** The chat calls the fake got since `from` (each test reads only its own). */
const since = (fake: FakeUpstream, from: number) => fake.requests.slice(from).filter((r) => r.path.endsWith('/chat/completions'));

test('Anthropic SDK: max_tokens 32000 to deepseek-chat succeeds, DeepSeek is sent 8192 (JSON and stream)', async () => {
  const client = anthropicClient(gw);
  const from = deepseek.requests.length;
  const msg = await client.messages.create({ model: 'deepseek-chat', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  expect(msg.content.some((b) => b.type === 'text')).toBe(true);
  const stream = client.messages.stream({ model: 'deepseek-chat', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  const final = await stream.finalMessage();
  expect(final.content.some((b) => b.type === 'text')).toBe(true);
  expect(since(deepseek, from).map((r) => r.body.max_tokens)).toEqual([8192, 8192]);
});

test('OpenAI SDK chat: max_completion_tokens or max_tokens 32000 to deepseek-chat succeeds with 8192 sent; at or under the limit is sent as asked', async () => {
  const client = gw.openai();
  const from = deepseek.requests.length;
  const a = await client.chat.completions.create({ model: 'deepseek-chat', max_completion_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  expect(a.choices[0]!.message.content).toBeTruthy();
  await client.chat.completions.create({ model: 'deepseek/deepseek-chat', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  const chunks = await client.chat.completions.create({ model: 'deepseek-chat', max_tokens: 64_000, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
  for await (const _ of chunks);
  await client.chat.completions.create({ model: 'deepseek-chat', max_tokens: 1000, messages: [{ role: 'user', content: 'Hi' }] });
  expect(since(deepseek, from).map((r) => [r.body.max_tokens, r.body.max_completion_tokens])).toEqual([[8192, undefined], [8192, undefined], [8192, undefined], [1000, undefined]]);
});

test('Responses API: max_output_tokens 32000 to deepseek-chat is sent as 8192', async () => {
  const from = deepseek.requests.length;
  const r = await gw.openai().responses.create({ model: 'deepseek-chat', max_output_tokens: 32_000, input: 'Hi' });
  expect(r.status).toBe('completed');
  expect(since(deepseek, from).map((x) => x.body.max_tokens)).toEqual([8192]);
});

test("Anthropic itself: the client's body goes as sent but for max_tokens above the model's 64000, its thinking budget kept below it", async () => {
  const from = anthropic.requests.length;
  await anthropicClient(gw).messages.create({
    model: 'claude-opus-4-5', max_tokens: 100_000, thinking: { type: 'enabled', budget_tokens: 80_000 }, messages: [{ role: 'user', content: 'Hi' }],
  });
  await anthropicClient(gw).messages.create({ model: 'claude-opus-4-5', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  const sent = anthropic.requests.slice(from).map((r) => [r.body.max_tokens, r.body.thinking?.budget_tokens]);
  expect(sent).toEqual([[64_000, 63_999], [32_000, undefined]]);
});

test('a model of unknown output limit is sent what was asked', async () => {
  const from = deepseek.requests.length;
  await gw.openai().chat.completions.create({ model: 'deepseek-v4-pro', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  expect(since(deepseek, from).map((r) => r.body.max_tokens)).toEqual([32_000]);
});

test('a group walk lowers the ask per target: deepseek-chat is sent 8192, the fallback gpt-4o 16384', async () => {
  const [dFrom, oFrom] = [deepseek.requests.length, openai.requests.length];
  const res = await gw.openai().chat.completions.create({ model: 'walk-two', max_completion_tokens: 32_000, messages: [{ role: 'user', content: 'fail here' }] }).withResponse();
  expect(res.response.headers.get('x-gophergate-route')).toBe('walk-two>gpt-4o');
  expect(since(deepseek, dFrom).map((r) => r.body.max_tokens)).toEqual([8192]);
  expect(since(openai, oFrom).map((r) => r.body.max_completion_tokens)).toEqual([16_384]);
});

test('admin API: max_output_tokens is shown, set, refused out of range and cleared; cleared, the ask goes as it came', async () => {
  const path = '/api/models/deepseek-v4-flash';
  expect(await json(await api(gw, 'GET', '/api/models/deepseek-chat', { as: admin }))).toMatchObject({ max_output_tokens: 8192 });
  expect(await json(await api(gw, 'GET', path, { as: admin }))).toMatchObject({ max_output_tokens: null });

  const set = await api(gw, 'PATCH', path, { as: admin, body: { max_output_tokens: 4096 } });
  expect(set.status).toBe(200);
  expect(await json(set)).toMatchObject({ id: 'deepseek-v4-flash', max_output_tokens: 4096 });
  let from = deepseek.requests.length;
  await gw.openai().chat.completions.create({ model: 'deepseek-v4-flash', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  expect(since(deepseek, from).map((r) => r.body.max_tokens)).toEqual([4096]);

  for (const bad of [0, 1.5, 'many']) {
    const r = await api(gw, 'PATCH', path, { as: admin, body: { max_output_tokens: bad } });
    expect(r.status).toBe(400);
  }
  const cleared = await api(gw, 'PATCH', path, { as: admin, body: { max_output_tokens: null } });
  expect(await json(cleared)).toMatchObject({ max_output_tokens: null });
  from = deepseek.requests.length;
  await gw.openai().chat.completions.create({ model: 'deepseek-v4-flash', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  expect(since(deepseek, from).map((r) => r.body.max_tokens)).toEqual([32_000]);

  const created = await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'ds-small', provider: 'deepseek', upstream_id: 'deepseek-chat', input_price: 1, output_price: 2, max_output_tokens: 2048 } });
  expect(created.status).toBe(201);
  expect(await json(created)).toMatchObject({ id: 'ds-small', max_output_tokens: 2048 });
  from = deepseek.requests.length;
  await anthropicClient(gw).messages.create({ model: 'ds-small', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
  expect(since(deepseek, from).map((r) => r.body.max_tokens)).toEqual([2048]);
});
