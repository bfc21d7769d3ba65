/** The in-process entry points other features use (Responses bridge, routing classifier). */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { runChatCompletion, streamChatCompletion } from '../../src/proxy/run-chat-completion';
import { replay, replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('deepseek', `${fake.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

const body = { model: 'deepseek/deepseek-reasoner', messages: [{ role: 'user' as const, content: 'Hello' }] };

test('runChatCompletion returns completion, canonical usage and target, and logs one row', async () => {
  fake.handler = replayJson('deepseek', 'chat.json');
  const requestId = crypto.randomUUID();
  const r = await runChatCompletion(gw.ctx, body, { endpoint: 'responses', clientId: gw.clientId, requestId });
  expect(r.completion.choices[0]!.message.content).toBe('Hello! How can I help?');
  expect(r.usage).toMatchObject({ input: 24, cachedInput: 16, output: 58, reasoning: 49 });
  expect(r.target).toMatchObject({ provider: 'deepseek', upstreamModel: 'deepseek-reasoner' });
  expect(fake.last().body.stream).not.toBe(true);
  const row = await gw.waitForRow(requestId);
  expect(row).toMatchObject({ endpoint: 'responses', clientId: gw.clientId, status: 200, promptTokens: 24 });
});

test('streamChatCompletion yields parsed chunks, usage last, and logs a finished stream as 200', async () => {
  fake.handler = replay('deepseek', 'text.chunks.txt');
  const requestId = crypto.randomUUID();
  const { target, chunks } = await streamChatCompletion(gw.ctx, body, { endpoint: 'responses', requestId });
  expect(target.provider).toBe('deepseek');
  let text = '';
  let usage: any = null;
  for await (const c of chunks) {
    expect(c.object).toBe('chat.completion.chunk');
    text += c.choices[0]?.delta?.content ?? '';
    if (c.usage) usage = c.usage;
  }
  expect(text).toBe('Hello! How can I help?');
  expect(usage).toMatchObject({ prompt_tokens: 24, completion_tokens: 58 });
  expect(fake.last().body.stream_options).toEqual({ include_usage: true });
  const row = await gw.waitForRow(requestId);
  expect(row).toMatchObject({ status: 200, stream: true, endpoint: 'responses' });
});

test('errors before the first chunk are thrown as ApiError; mid-stream failures are thrown by the iterator', async () => {
  const err = await streamChatCompletion(gw.ctx, { ...body, model: 'nope' }).catch((e) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect(err.status).toBe(404);

  // The cut waits until the caller has a chunk: one arriving with the chunks (a fixed pause only
  // makes that unlikely on a loaded machine) would fail before the first chunk instead.
  const gotChunk = Promise.withResolvers<void>();
  fake.handler = replay('deepseek', 'text.chunks.txt', { cutAfter: 2, holdAt: { at: 2, until: gotChunk.promise } });
  const { chunks } = await streamChatCompletion(gw.ctx, body);
  const mid = await (async () => {
    for await (const _ of chunks) gotChunk.resolve();
  })().catch((e) => e);
  expect(mid).toBeInstanceOf(ApiError);
  expect(mid.status).toBe(502);
});

test('leaving the loop early aborts the upstream', async () => {
  fake.handler = replay('deepseek', 'text.chunks.txt', { hangAfter: 2 });
  const aborts = fake.aborts;
  const { chunks } = await streamChatCompletion(gw.ctx, body);
  for await (const _ of chunks) break;
  await fake.waitForAbort(aborts + 1);
});
