/**
 * Message threads (`thread`: conversation state the server holds between turns) through
 * /v1/messages. The official SDK's tool runner threads by default: its first turn asks
 * `thread: {type: "create"}` and later turns send `thread: {type: "continue", previous_message_id}`
 * with only the new messages (no earlier turns, no tools). Only Anthropic holds threads: for any
 * other provider the gateway refuses a threaded turn as Anthropic refuses one it cannot thread
 * (400, `error.details.error_code` `thread_unsupported_request`), and the SDK sends the turn again
 * with the whole conversation. To Anthropic the field goes untouched. Driven by @anthropic-ai/sdk.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { json } from '../anthropic/fake-anthropic';
import { limitedClient } from '../limits/limits-helpers';
import { anthropicClient, foldChatChunks } from './messages-helpers';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream();
  anthropic = startFakeUpstream(json('text.json'));
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ANTHROPIC_API_KEY: 'sk-ant-test', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url } });
  gw.ctx.db.insert(modelGroups).values({ name: 'gpt-then-claude', strategy: 'heuristic', targets: ['openai/gpt-4o-mini', 'claude-sonnet-4-5'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openai.close();
  anthropic.close();
});

/** OpenAI answers its first call with two weather calls, then with text (stream or JSON as asked). */
function weatherThenText(): void {
  let calls = 0;
  openai.handler = (_r, rec) => {
    const chunks = readChunks('openai', calls++ === 0 ? 'tools.chunks.txt' : 'text.chunks.txt');
    return rec.body?.stream ? sseResponse(chunks) : jsonResponse(foldChatChunks(chunks));
  };
}

const weather = betaTool({
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  run: async (input) => `sunny in ${(input as { city: string }).city}`,
});

/** Every /v1/messages request the SDK sends, as it sent it, with the gateway's answer status and request id. */
function recordingClient(): { client: Anthropic; sent: { body: any; status: number; requestId: string | null }[] } {
  const sent: { body: any; status: number; requestId: string | null }[] = [];
  const recording = new Anthropic({
    apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0, timeout: 20_000,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      sent.push({ body: JSON.parse(String(init?.body)), status: res.status, requestId: res.headers.get('request-id') });
      return res;
    },
  });
  return { client: recording, sent };
}

for (const stream of [false, true]) {
  test(`the SDK's tool runner over OpenAI (${stream ? 'stream' : 'JSON'}): the threaded turn is refused, the runner goes on with the whole conversation`, async () => {
    weatherThenText();
    const before = openai.requests.length;
    const { client: sdk, sent } = recordingClient();
    const runner = sdk.beta.messages.toolRunner({ model: 'gpt-4o-mini', max_tokens: 500, messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [weather], stream } as any);
    const final = await (runner as any).runUntilDone();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?', citations: null }]);

    // The SDK asked for a thread; the gateway refused it before calling OpenAI.
    expect(sent[0]!.body.thread).toEqual({ type: 'create' });
    expect(sent[0]!.status).toBe(400);
    expect(await gw.waitForRow(sent[0]!.requestId!)).toMatchObject({ endpoint: 'messages', status: 400 });
    expect(sent.slice(1).every((s) => s.body.thread === undefined && s.status === 200)).toBe(true);
    // OpenAI saw two calls, the second with the whole conversation: question, calls, both results.
    expect(openai.requests.length - before).toBe(2);
    const messages = openai.last().body.messages;
    expect(messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(messages[1].tool_calls.map((c: any) => JSON.parse(c.function.arguments).city)).toEqual(['Paris', 'Tokyo']);
    expect(messages.slice(2).map((m: any) => m.content)).toEqual(['sunny in Paris', 'sunny in Tokyo']);
    expect(openai.last().body.tools.map((t: any) => t.function.name)).toEqual(['get_weather']);
  });
}

test("a thread the caller keeps ('error' on refusal): Anthropic's 400 saying why, in the details the SDK reads", async () => {
  const before = openai.requests.length;
  const thread = client.beta.messages.thread({ model: 'gpt-4o-mini', max_tokens: 100 });
  const err = await thread.send({ role: 'user', content: 'Hello' }).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect(err.error).toEqual({
    type: 'error',
    error: { type: 'invalid_request_error', message: expect.stringContaining("not by provider 'openai'"), details: { error_code: 'thread_unsupported_request', unsupported: ['provider'] } },
  });
  expect(openai.requests.length).toBe(before);
  expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'messages', status: 400, modelRequested: 'gpt-4o-mini' });
});

test('to Anthropic the thread goes untouched, with the threads beta header; a group whose first target is OpenAI sends it to its Anthropic target', async () => {
  for (const model of ['claude-sonnet-4-5', 'gpt-then-claude']) {
    const openaiBefore = openai.requests.length;
    const thread = client.beta.messages.thread({ model, max_tokens: 100 });
    const reply = await thread.send({ role: 'user', content: 'What is 2+2?' });
    expect(reply.content).toEqual([{ type: 'text', text: '2 + 2 = 4.' } as Anthropic.Beta.BetaTextBlock]);
    expect(anthropic.last().body.thread).toEqual({ type: 'create' });
    expect(anthropic.last().headers['anthropic-beta']).toContain('message-threads-');
    await thread.send({ role: 'user', content: 'And 3+3?' });
    expect(anthropic.last().body.thread).toEqual({ type: 'continue', previous_message_id: reply.id });
    expect(anthropic.last().body.messages).toEqual([{ role: 'user', content: 'And 3+3?' }]);
    expect(openai.requests.length).toBe(openaiBefore);
  }
});

test("a key's budget reserves the whole window for a turn that continues a thread (Anthropic adds the conversation it holds); the turn that creates it is admitted", async () => {
  const key = await limitedClient(gw, 'thread-budget', { budgetUsd: 1, budgetPeriod: 'month' });
  const thread = anthropicClient(gw, key.key).beta.messages.thread({ model: 'claude-sonnet-4-5', max_tokens: 100 });
  const first = await thread.send({ role: 'user', content: 'What is 2+2?' });
  expect(first.content[0]).toMatchObject({ type: 'text' });
  const before = anthropic.requests.length;
  // A held conversation may fill the window (~200K tokens, $0.60+ at $3/M): more than the body shows.
  const refused = await thread.send({ role: 'user', content: 'And 3+3?' }).catch((e) => e);
  expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
  expect(refused.error.error.message).toContain('Budget exceeded');
  expect(anthropic.requests.length).toBe(before);
});

test('count_tokens of a threaded request for OpenAI counts what it carries', async () => {
  const res = await gw.fetch('/v1/messages/count_tokens', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], thread: { type: 'create' } }) });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).input_tokens).toBeGreaterThan(0);
});
