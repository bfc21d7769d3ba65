/**
 * DeepSeek's wire quirks, through the real gateway with the official openai client: while a
 * request waits in DeepSeek's queue it keeps the connection open with `: keep-alive` SSE comments
 * (stream) or blank lines before the JSON (non-stream); when it is busy it answers 503 "Server
 * overloaded", which a group falls back from. A non-stream 200 with no choices (and no `error`) is
 * no answer: as a stream that says only `[DONE]` fails before its first chunk, it is a retryable
 * failed try (a group falls back; a model named directly answers 502 `upstream_error`), never an
 * empty completion passed on. Each request leaves one row, found by its x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, okCompletion, readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let deepseek: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  deepseek = startFakeUpstream();
  openai = startFakeUpstream(() => okCompletion('gpt-4o-mini'));
  gw = await startGateway({ env: { ...providerEnv('deepseek', `${deepseek.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`) } });
  gw.ctx.db
    .insert(modelGroups)
    .values({ name: 'ds-first', strategy: 'heuristic', targets: ['deepseek/deepseek-chat', 'openai/gpt-4o-mini'], updatedAt: Date.now() })
    .run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw?.close();
  deepseek?.close();
  openai?.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];

/** A body written piece by piece, as DeepSeek writes while the request is queued. */
function pieces(parts: string[], contentType: string): Response {
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      const p = parts.shift();
      if (p === undefined) return c.close();
      c.enqueue(enc.encode(p));
      await Bun.sleep(2);
    },
  });
  return new Response(stream, { headers: { 'content-type': contentType } });
}

test('stream: `: keep-alive` comments before the first chunk are skipped; the text, the finish and the usage come through', async () => {
  const chunks = readChunks('deepseek', 'text.chunks.txt');
  deepseek.handler = () => pieces([': keep-alive\n\n', ': keep-alive\n\n', ...chunks.map((c) => `data: ${c}\n\n`)], 'text/event-stream; charset=utf-8');
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) {
    text += c.choices[0]?.delta.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    usage = c.usage ?? usage;
  }
  expect(text).toBe('Hello! How can I help?');
  expect(finish).toBe('stop');
  expect(usage?.prompt_tokens).toBeGreaterThan(0);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, provider: 'deepseek', promptTokens: usage!.prompt_tokens, completionTokens: usage!.completion_tokens });
});

test('non-stream: blank lines sent while queued, then the JSON: the completion and its usage', async () => {
  const body = fixtureJson('deepseek', 'chat.json');
  deepseek.handler = () => pieces(['\n', '\n', '\n', JSON.stringify(body)], 'application/json');
  const { data, response } = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi }).withResponse();
  expect(data.choices[0]!.message.content).toBe(body.choices[0].message.content);
  expect(data.usage?.prompt_tokens).toBe(body.usage.prompt_tokens);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: body.usage.prompt_tokens, completionTokens: body.usage.completion_tokens });
});

const overloaded = () => jsonResponse({ error: { message: 'Server overloaded, please try again later.', type: 'server_error', param: null, code: 'server_overloaded' } }, 503);

test('503 "Server overloaded": a retryable 502 in OpenAI shape with its words; alone, one failed row', async () => {
  deepseek.handler = overloaded;
  const err = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.status).toBe(502);
  expect(err.message).toContain('Server overloaded');
  expect(await gw.waitForRow(err)).toMatchObject({ status: 502, provider: 'deepseek' });
});

test('503 "Server overloaded" in a group: the next target answers; one row, the answer\'s', async () => {
  gw.ctx.breakers.reset();
  deepseek.handler = overloaded;
  const { data, response } = await gw.openai().chat.completions.create({ model: 'ds-first', messages: hi }).withResponse();
  expect(data.choices[0]!.message.content).toBe('ok');
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, provider: 'openai', model: 'gpt-4o-mini', modelRequested: 'ds-first' });
  expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([
    ['deepseek', 502],
    ['openai', 200],
  ]);
});

const insufficientBalance = () => jsonResponse({ error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } }, 402);

test("402 \"Insufficient Balance\" (the gateway's DeepSeek account is out of credit): OpenAI's out-of-credit error, not the client's invalid request; not to be retried; one 402 row", async () => {
  deepseek.handler = insufficientBalance;
  for (const stream of [false, true]) {
    const err = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi, stream }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(402);
    expect(err.message).toContain('Insufficient Balance');
    // OpenAI's words for an account out of credit (its 429 insufficient_quota), as the gateway relays OpenAI's and Moonshot's.
    expect([err.type, err.code]).toEqual(['insufficient_quota', 'insufficient_quota']);
    expect(err.headers?.get('x-should-retry')).toBe('false');
    expect(await gw.waitForRow(err)).toMatchObject({ status: 402, provider: 'deepseek', errorType: 'insufficient_quota', costUsd: 0 });
  }
});

const empty = (choices: unknown) => {
  const body = fixtureJson('deepseek', 'chat.json');
  if (choices === undefined) delete body.choices;
  else body.choices = choices;
  delete body.usage;
  return body;
};

test('no choices, named model: 502 upstream_error in OpenAI shape, the row says so', async () => {
  for (const choices of [[], undefined]) {
    gw.ctx.breakers.reset();
    deepseek.handler = () => jsonResponse(empty(choices));
    const err = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
    expect(err.error.message).toContain('no choices');
    const row = await gw.waitForRow(err.requestID);
    expect(row).toMatchObject({ status: 502, errorType: 'upstream_error', provider: 'deepseek' });
  }
});

test('no choices: a group falls back to its next target, whose answer the client gets', async () => {
  gw.ctx.breakers.reset();
  deepseek.handler = () => jsonResponse(empty([]));
  const { data, response } = await gw.openai().chat.completions.create({ model: 'ds-first', messages: hi }).withResponse();
  expect(data.choices.length).toBe(1);
  expect(data.model).toBe('gpt-4o-mini');
  const row = await gw.waitForRow(response);
  expect([row.status, row.provider]).toEqual([200, 'openai']);
  expect(JSON.parse(row.attempts!)[0]).toMatchObject({ provider: 'deepseek', status: 502, error: expect.stringContaining('no choices') });
});

test('an answer with its choices is untouched by that check', async () => {
  deepseek.handler = () => jsonResponse(fixtureJson('deepseek', 'chat.json'));
  const r = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi });
  expect(r.choices[0]!.finish_reason).toBe('stop');
});
