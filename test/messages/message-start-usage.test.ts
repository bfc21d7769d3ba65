/**
 * message_start's `usage.input_tokens` on streams translated from a chat upstream, which reports
 * its usage only in the last chunk. Anthropic's clients read the prompt size from message_start
 * (LangChain's ChatAnthropic only from there; Claude Code shows the context size from it), so the
 * gateway sends its approximation of the prompt there, and the upstream's exact counts in
 * message_delta, which the official SDK's final message and the log row keep.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { ChatAnthropic } from '@langchain/anthropic';
import { AIMessageChunk } from '@langchain/core/messages';
import { readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { idRecorder } from '../sdk/langchain-helpers';
import { parseSse } from './messages-helpers';

/**
 * The recorded OpenAI stream: 19 prompt and 9 completion tokens in its last chunk. As a real
 * upstream's, its usage comes after the gateway opened the stream: the fake holds all but the first
 * chunk until the gateway's answer reached the client (`answered`), else it could come in the
 * gateway's first read and message_start would rightly carry the upstream's exact counts.
 */
let answered = () => {};
const openai = startFakeUpstream(() => {
  const until = new Promise<void>((r) => (answered = r));
  return sseResponse(readChunks('openai', 'text.chunks.txt'), { holdAt: { at: 1, until } });
});
/** fetch that lets the fake go on once the gateway answered. */
const released = (inner: typeof fetch = fetch) =>
  (async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await inner(input, init);
    answered();
    return res;
  }) as typeof fetch;
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('openai', `${openai.url}/v1`) });
afterAll(() => openai.close());

/** ~2,000 tokens of English (the o200k tokenizer counts 2,000 for it: one per word). */
const LONG = 'The quick brown fox jumps over the lazy dog. '.repeat(222);
const request = { model: 'openai/gpt-4o-mini', max_tokens: 200, stream: true, system: LONG, messages: [{ role: 'user', content: 'Summarise.' }] };

describe('message_start on a translated stream', () => {
  test('raw SSE: message_start has the prompt approximated, message_delta the upstream counts; the row the exact ones', async () => {
    const res = await gw.fetch('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
    answered();
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    const start = events.find((e) => e.type === 'message_start').message.usage;
    // ~4 characters a token: LONG alone is ~2,500; a prompt of ~2,000 tokens is told within a third.
    expect(start.input_tokens).toBeGreaterThan(1_500);
    expect(start.input_tokens).toBeLessThan(3_000);
    expect(start).toMatchObject({ output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(events.find((e) => e.type === 'message_delta').usage).toEqual({ input_tokens: 19, output_tokens: 9, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    const row = await gw.waitForRow(res);
    expect(row).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 200, promptTokens: 19, completionTokens: 9, estimated: false });
  });

  test("the official SDK: the stream's message_start has the approximation, finalMessage() the upstream's exact counts", async () => {
    const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0, timeout: 20_000, fetch: released() });
    const stream = client.messages.stream({ ...request, stream: undefined } as any);
    let started = 0;
    stream.on('streamEvent', (e) => {
      if (e.type === 'message_start') started = e.message.usage.input_tokens;
    });
    const final = await stream.finalMessage();
    expect(started).toBeGreaterThan(1_500);
    expect(final.usage).toMatchObject({ input_tokens: 19, output_tokens: 9 });
    const { response } = await stream.withResponse();
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ promptTokens: 19, completionTokens: 9 });
  });

  test("LangChain's ChatAnthropic: usage_metadata has input tokens (message_start's), output tokens exact", async () => {
    const rec = idRecorder();
    const model = new ChatAnthropic({ model: 'openai/gpt-4o-mini', apiKey: gw.clientKey, anthropicApiUrl: gw.url, maxRetries: 0, clientOptions: { fetch: released(rec.fetch) } });
    let message: AIMessageChunk | undefined;
    for await (const c of await model.stream([{ role: 'system', content: LONG }, { role: 'user', content: 'Summarise.' }])) message = message ? message.concat(c) : c;
    expect(message!.content).toBe('Hello! How can I help you today?');
    expect(message!.usage_metadata!.input_tokens).toBeGreaterThan(1_500);
    expect(message!.usage_metadata!.output_tokens).toBe(9);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ promptTokens: 19, completionTokens: 9, estimated: false });
  });

  test('tool definitions count toward the approximation', async () => {
    const schema = { type: 'object', properties: { text: { type: 'string', description: LONG } } };
    const withTools = { ...request, system: undefined, tools: [{ name: 'note', description: 'Keeps a note', input_schema: schema }] };
    const res = await gw.fetch('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(withTools) });
    answered();
    const start = parseSse(await res.text()).find((e) => e.type === 'message_start').message.usage;
    expect(start.input_tokens).toBeGreaterThan(1_500);
  });
});
