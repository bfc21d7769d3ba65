/**
 * `top_k` on /v1/messages for translated targets: Gemini takes it (generationConfig.topK); OpenAI,
 * DeepSeek, xAI, Moonshot and Ollama have none, so it is left out rather than answered with a 400.
 * Each target of a group gets the request translated for its own provider, so Gemini gets top_k
 * and its OpenAI fallback does not (never a field OpenAI refuses), and a group with an Anthropic
 * target keeps its translated fallback. Driven with the official Anthropic SDK.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { messagesToChat } from '../../src/messages/messages-to-chat';
import { fixtureJson, jsonResponse, okCompletion, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson } from '../anthropic/fake-anthropic';
import { anthropicClient } from './messages-helpers';

let openai: FakeUpstream;
let gemini: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

/** OpenAI's own answer to a field its Chat Completions API does not have. */
const refusesTopK = (body: any): Response | null =>
  body?.top_k === undefined
    ? null
    : jsonResponse({ error: { message: 'Unrecognized request argument supplied: top_k', type: 'invalid_request_error', param: null, code: null } }, 400);

beforeAll(async () => {
  openai = startFakeUpstream((_r, rec) => refusesTopK(rec.body) ?? (rec.body?.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : okCompletion('gpt-4o-mini')));
  gemini = startFakeUpstream(() => jsonResponse(fixtureJson('gemini', 'text.json')));
  anthropic = startFakeUpstream(() => jsonResponse(anthropicJson('error-529.json'), 529));
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', `${gemini.url}/v1beta`),
      ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url,
    },
  });
  const now = Date.now();
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-then-gpt', strategy: 'heuristic', targets: ['claude-sonnet-4-5', 'openai/gpt-4o-mini'], updatedAt: now }).run();
  gw.ctx.db.insert(modelGroups).values({ name: 'gemini-then-gpt', strategy: 'heuristic', targets: ['gemini/gemini-2.5-flash', 'openai/gpt-4o-mini'], updatedAt: now }).run();
  gw.ctx.state.reload();
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openai.close();
  gemini.close();
  anthropic.close();
});

const ask = (model: string) => ({ model, max_tokens: 20, top_k: 40, messages: [{ role: 'user' as const, content: 'Hello' }] });

test('to OpenAI (JSON and stream): answered, top_k left out of the call; one row each', async () => {
  const { data, response } = await client.messages.create(ask('openai/gpt-4o-mini')).withResponse();
  expect(data.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
  expect(openai.last().body.top_k).toBeUndefined();
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'openai' });

  const stream = client.messages.stream(ask('openai/gpt-4o-mini'));
  const { response: streamed } = await stream.withResponse();
  const final = await stream.finalMessage();
  expect(final.content as unknown).toEqual([{ type: 'text', text: 'Hello! How can I help you today?', citations: null }]);
  expect(openai.last().body.top_k).toBeUndefined();
  expect(await gw.waitForRow(streamed)).toMatchObject({ endpoint: 'messages', status: 200, stream: true });
});

test('to Gemini: top_k goes up as generationConfig.topK', async () => {
  await client.messages.create(ask('gemini/gemini-2.5-flash'));
  expect(gemini.last().body.generationConfig.topK).toBe(40);
});

test('a group with an Anthropic target keeps its translated fallback: Anthropic gets top_k natively, OpenAI answers without it', async () => {
  const { data, response } = await client.messages.create(ask('claude-then-gpt')).withResponse();
  expect(data.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
  expect(anthropic.last().body.top_k).toBe(40);
  expect(openai.last().body.top_k).toBeUndefined();
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, provider: 'openai' });
});

test('Gemini first, OpenAI its fallback: Gemini gets top_k, OpenAI does not, and answers', async () => {
  gemini.handler = () => jsonResponse({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }, 503);
  try {
    const { data, response } = await client.messages.create(ask('gemini-then-gpt')).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
    expect(gemini.last().body.generationConfig?.topK).toBe(40);
    expect(openai.last().body.top_k).toBeUndefined();
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'openai' });
  } finally {
    gemini.handler = () => jsonResponse(fixtureJson('gemini', 'text.json'));
  }
});

test('messagesToChat: top_k kept for the providers that read it, whatever the group holds besides', () => {
  const req = { model: 'm', max_tokens: 5, top_k: 7, messages: [{ role: 'user' as const, content: 'x' }] };
  const chat = (provider: string, providers?: string[]) => messagesToChat(req, { model: 'm', provider, upstreamModel: 'm', providers }) as any;
  expect(chat('gemini').top_k).toBe(7);
  expect(chat('gemini', ['gemini', 'openai']).top_k).toBe(7);
  for (const p of ['openai', 'deepseek', 'grok', 'moonshot', 'ollama']) expect(chat(p, ['gemini', p]).top_k).toBeUndefined();
});
