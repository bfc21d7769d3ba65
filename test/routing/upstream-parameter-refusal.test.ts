/**
 * OpenAI's reasoning models refuse parameters other models take: `stop` on o3, o4-mini and the
 * gpt-5 family is a 400 `unsupported_parameter` ("Unsupported parameter: 'stop' is not supported
 * with this model.", param `stop`), a temperature other than 1 an `unsupported_value`. Which models
 * refuse what changes from model to model (o3-mini takes `stop`), so the gateway keeps no list:
 * that 400 lets a group go on to its next target, as the gateway's own refusals before a call
 * do, and a model named directly answers it as OpenAI did, `param` included. Real gateway, the
 * openai SDK, fake upstreams with OpenAI's wire shapes; rows by request id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let openai: FakeUpstream;
let deepseek: FakeUpstream;

/** OpenAI's answer to `stop` on a reasoning model (its body as the API sends it). */
const stopRefused = () =>
  jsonResponse({ error: { message: "Unsupported parameter: 'stop' is not supported with this model.", type: 'invalid_request_error', param: 'stop', code: 'unsupported_parameter' } }, 400);
const temperatureRefused = () =>
  jsonResponse({ error: { message: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", type: 'invalid_request_error', param: 'temperature', code: 'unsupported_value' } }, 400);

beforeAll(async () => {
  openai = startFakeUpstream((_req, rec) => {
    if (/^(o\d|gpt-5)/.test(rec.body.model) && rec.body.stop) return stopRefused();
    return rec.body.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : jsonResponse(fixtureJson('openai', 'chat.json'));
  });
  deepseek = startFakeUpstream((_req, rec) => (rec.body.stream ? sseResponse(readChunks('deepseek', 'text.chunks.txt')) : jsonResponse(fixtureJson('deepseek', 'chat.json'))));
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', deepseek.url) } });
  const now = Date.now();
  gw.ctx.db.insert(modelGroups).values([
    { name: 'o3-then-deepseek', strategy: 'heuristic', targets: ['o3', 'deepseek-chat'], updatedAt: now },
    { name: 'o3-then-gpt5', strategy: 'heuristic', targets: ['o3', 'gpt-5-mini'], updatedAt: now },
  ]).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openai.close();
  deepseek.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const attemptsOf = (row: { attempts?: string | null }) => JSON.parse(row.attempts!).map((a: any) => [a.provider, a.model, a.status]);

test('stop on a group: o3 refuses it, the group goes on to DeepSeek (JSON and stream); the row shows both tries', async () => {
  for (const stream of [false, true]) {
    const { data, response } = await gw.openai().chat.completions.create({ model: 'o3-then-deepseek', messages: hi, stop: ['END'], stream }).withResponse();
    if (stream) for await (const _ of data as AsyncIterable<unknown>);
    else expect((data as any).choices[0].message.content).toBeTruthy();
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(deepseek.last().body.stop).toEqual(['END']);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 200, provider: 'deepseek' });
    expect(attemptsOf(row)).toEqual([['openai', 'o3', 400], ['deepseek', 'deepseek-chat', 200]]);
  }
  // The refusal is the request's, not a failing upstream: o3's circuit stays closed.
  expect(gw.ctx.breakers.allow('openai', 'o3')).toBe(true);
});

test('o3 named directly: OpenAI\'s 400 as it came, param and code included; one row', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'o3', messages: hi, stop: 'END' }));
  expect([err.status, err.code, err.param, err.type]).toEqual([400, 'unsupported_parameter', 'stop', 'invalid_request_error']);
  expect(err.message).toContain("Unsupported parameter: 'stop'");
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400 });
});

test("o3 through /v1/messages: OpenAI's refusal of 'stop' names the client's stop_sequences, in Anthropic's shape; one row", async () => {
  const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ model: 'o3', max_tokens: 100, stop_sequences: ['END'], messages: hi }) });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "Upstream OpenAI (openai) returned HTTP 400: Unsupported parameter: 'stop_sequences' is not supported with this model.", details: { error_code: 'unsupported_parameter' } } });
  expect(await gw.waitForRow(res)).toMatchObject({ status: 400, endpoint: 'messages' });
});

test('a group none of whose targets takes it answers the first refusal', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'o3-then-gpt5', messages: hi, stop: ['END'] }));
  expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'stop']);
  const row = await gw.waitForRow(err);
  expect(attemptsOf(row)).toEqual([['openai', 'o3', 400], ['openai', 'gpt-5-mini', 400]]);
});

test('unsupported_value (a temperature OpenAI refuses) falls back too; another 400 does not', async () => {
  const before = openai.handler;
  try {
    openai.handler = temperatureRefused;
    const { response } = await gw.openai().chat.completions.create({ model: 'o3-then-deepseek', messages: hi }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');

    // A 400 about the request itself (a bad message) would fail on every target: it stands.
    openai.handler = () => jsonResponse({ error: { message: "Invalid value for 'content': expected a string.", type: 'invalid_request_error', param: 'messages.[0].content', code: null } }, 400);
    const calls = deepseek.requests.length;
    const err = await apiError(gw.openai().chat.completions.create({ model: 'o3-then-deepseek', messages: hi }));
    expect([err.status, err.param]).toEqual([400, 'messages.[0].content']);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, provider: 'openai' });
    expect(deepseek.requests.length).toBe(calls);
  } finally {
    openai.handler = before;
  }
});
