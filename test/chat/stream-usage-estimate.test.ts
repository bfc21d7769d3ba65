/**
 * An upstream that ignores `stream_options.include_usage` (some OpenAI-compatible servers and
 * relays), sends usage the gateway cannot pass on (nonsense counts), or a Gemini stream without
 * usageMetadata: the client that asked for include_usage got no usage chunk while its row billed
 * an estimate. It now gets OpenAI's usage-only last chunk (`choices: []`) with that estimate, the
 * same numbers as the row, as non-stream chat, /v1/responses and /v1/messages already report it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { chatSchemaErrors } from '../responses/openai-schema';

let ollama: FakeUpstream;
let gemini: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  ollama = startFakeUpstream();
  gemini = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('ollama', `${ollama.url}/v1`), ...providerEnv('gemini', gemini.url) } });
});
afterAll(async () => {
  await gw.close();
  ollama.close();
  gemini.close();
});

/** Ollama's recorded stream without its usage chunk, as an upstream that ignores include_usage sends it. */
const noUsage = () => sseResponse(readChunks('ollama', 'text.chunks.txt').filter((l) => !l.includes('"usage"')));
/** The same with its usage chunk's counts nonsense (a string, a negative count). */
const nonsense = () =>
  sseResponse(readChunks('ollama', 'text.chunks.txt').map((l) => l.replace('"prompt_tokens":14', '"prompt_tokens":"14"').replace('"completion_tokens":21', '"completion_tokens":-3')));
/** Gemini's recorded stream without usageMetadata. */
const geminiNoUsage = () =>
  sseResponse(readChunks('gemini', 'text.chunks.txt').map((l) => {
    const c = JSON.parse(l);
    delete c.usageMetadata;
    return JSON.stringify(c);
  }));

async function stream(model: string, includeUsage: boolean): Promise<{ chunks: any[]; res: Response }> {
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model, stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'Say hello' }] }),
  });
  expect(res.status).toBe(200);
  const payloads = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
  expect(payloads.at(-1)).toBe('[DONE]');
  const chunks = payloads.slice(0, -1).map((e) => JSON.parse(e));
  for (const c of chunks) expect(chatSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
  return { chunks, res };
}

for (const [name, fake, handler, model] of [
  ['an OpenAI-compatible upstream that ignores include_usage', () => ollama, noUsage, 'ollama/qwen3:8b'],
  ['an OpenAI-compatible upstream with nonsense usage', () => ollama, nonsense, 'ollama/qwen3:8b'],
  ['a Gemini stream without usageMetadata', () => gemini, geminiNoUsage, 'gemini/gemini-2.5-flash'],
] as const) {
  test(`${name}: with include_usage, a last usage-only chunk with the estimate the row bills`, async () => {
    fake().handler = handler;
    const { chunks, res } = await stream(model, true);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.id).toBe(chunks[0].id);
    expect(last.object).toBe('chat.completion.chunk');
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
    const row = await gw.waitForRow(res);
    expect(row).toMatchObject({ status: 200, estimated: true });
    expect(row.promptTokens).toBeGreaterThan(0);
    expect(row.completionTokens).toBeGreaterThan(0);
    expect(last.usage).toEqual({
      prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens, total_tokens: row.promptTokens + row.completionTokens,
      prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  test(`${name}: without include_usage, no usage chunk`, async () => {
    fake().handler = handler;
    const { chunks, res } = await stream(model, false);
    expect(chunks.filter((c) => c.usage || c.choices.length === 0)).toEqual([]);
    expect(await gw.waitForRow(res)).toMatchObject({ status: 200, estimated: true });
  });
}

test('the openai SDK reads the estimate as the stream\'s usage, the row\'s numbers', async () => {
  ollama.handler = noUsage;
  const { data, response } = await gw
    .openai()
    .chat.completions.create({ model: 'ollama/qwen3:8b', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say hello' }] })
    .withResponse();
  let text = '';
  let usage: any = null;
  for await (const chunk of data) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  expect(text).toBe('Hello! How can I help?');
  expect(usage?.prompt_tokens).toBeGreaterThan(0);
  expect(await gw.waitForRow(response)).toMatchObject({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, estimated: true });
});
