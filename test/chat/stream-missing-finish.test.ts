/**
 * An OpenAI-compatible stream that ends with `[DONE]` but whose chunks never carried a
 * finish_reason (a server that stops without saying why). The `openai` SDK's
 * `chat.completions.stream(...).finalChatCompletion()` throws "missing finish_reason for choice 0"
 * on such a stream; the gateway adds OpenAI's closing chunk (`tool_calls` after calls, else
 * `stop`) before the usage chunk and [DONE]. Recorded OpenAI and Ollama streams with their finish
 * reasons taken out; every chunk checked against OpenAI's schema; rows picked by request id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { USER_TURN, WEATHER_TOOLS as tools } from '../helpers/weather-tool-loop';
import { sdkClient } from '../sdk/openai-sdk-fakes';

let up: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  up = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('openai', `${up.url}/v1`), ...providerEnv('ollama', `${up.url}/v1`) } });
});
afterAll(async () => {
  await gw.close();
  up.close();
});

/** A recorded stream with every finish_reason null (and chunks that only carried one left out). */
function withoutFinish(provider: string, file: string): string[] {
  return readChunks(provider, file).flatMap((c) => {
    if (c === '[DONE]') return [c];
    const chunk = JSON.parse(c);
    const finishOnly = chunk.choices.length > 0 && chunk.choices.every((x: any) => x.finish_reason && Object.values(x.delta ?? {}).every((v) => v === '' || v === null));
    if (finishOnly && !chunk.usage) return [];
    for (const x of chunk.choices) x.finish_reason = null;
    return [JSON.stringify(chunk)];
  });
}

/** The raw chunks the gateway sends for this request (as parsed JSON), and its request id. */
async function rawChunks(body: Record<string, unknown>) {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ ...body, stream: true }) });
  expect(res.status).toBe(200);
  const data = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  expect(data.at(-1)).toBe('[DONE]');
  return { chunks: data.slice(0, -1).map((d) => JSON.parse(d)), requestId: res.headers.get('x-request-id')! };
}

const CASES = [
  { name: 'OpenAI text', provider: 'openai', file: 'text.chunks.txt', model: 'openai/gpt-4o-mini', tools: undefined, finish: 'stop' },
  { name: 'OpenAI tool calls', provider: 'openai', file: 'tools.chunks.txt', model: 'openai/gpt-4o', tools, finish: 'tool_calls' },
  { name: 'Ollama text', provider: 'ollama', file: 'text.chunks.txt', model: 'ollama/qwen3:8b', tools: undefined, finish: 'stop' },
  { name: 'Ollama tool calls', provider: 'ollama', file: 'tools.chunks.txt', model: 'ollama/llama3.1:8b', tools, finish: 'tool_calls' },
] as const;

for (const c of CASES) {
  test(`${c.name} without any finish_reason: finalChatCompletion() gets '${c.finish}'; one closing chunk before the usage; schema-valid; one row`, async () => {
    const chunks = withoutFinish(c.provider, c.file);
    expect(chunks.some((x) => x !== '[DONE]' && JSON.parse(x).choices.some((ch: any) => ch.finish_reason))).toBe(false);
    up.handler = () => sseResponse(chunks);
    const req = { model: c.model, messages: [USER_TURN], ...(c.tools ? { tools: c.tools } : {}) };

    const sdk = sdkClient(gw);
    const final = await sdk.client.chat.completions.stream({ ...req, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe(c.finish);
    if (c.finish === 'tool_calls') expect(final.choices[0]!.message.tool_calls!.length).toBeGreaterThan(0);
    else expect(final.choices[0]!.message.content).toBeTruthy();
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ status: 200, stream: true });

    const raw = await rawChunks({ ...req, stream_options: { include_usage: true } });
    for (const chunk of raw.chunks) expect(openaiSchemaErrors('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    const finishes = raw.chunks.flatMap((x) => x.choices.map((ch: any) => ch.finish_reason)).filter((f) => f !== null);
    expect(finishes).toEqual([c.finish]);
    // OpenAI's order: the finishing chunk, then the usage-only chunk, then [DONE].
    expect(raw.chunks.at(-1).choices).toEqual([]);
    expect(raw.chunks.at(-1).usage).toBeTruthy();
    expect(raw.chunks.at(-2).choices[0].finish_reason).toBe(c.finish);
    expect(raw.chunks.at(-2).id).toBe(raw.chunks[0].id);
    expect(await gw.waitForRow(raw.requestId)).toMatchObject({ status: 200, stream: true });
  });
}

test('a stream that did finish gets no second finish_reason', async () => {
  up.handler = () => sseResponse(readChunks('openai', 'tools.chunks.txt'));
  const raw = await rawChunks({ model: 'openai/gpt-4o', messages: [USER_TURN], tools });
  expect(raw.chunks.flatMap((x) => x.choices.map((ch: any) => ch.finish_reason)).filter((f) => f !== null)).toEqual(['tool_calls']);
});

test('a long last chunk (200 KB of text) without finish_reason: the closing chunk still carries its id, created and model', async () => {
  const chunk = { id: 'chatcmpl-long', object: 'chat.completion.chunk', created: 7, model: 'gpt-4o-mini', system_fingerprint: 'fp_1', choices: [{ index: 0, delta: { content: 'w'.repeat(200_000) }, finish_reason: null }] };
  up.handler = () => sseResponse([JSON.stringify(chunk), '[DONE]']);
  const raw = await rawChunks({ model: 'openai/gpt-4o-mini', messages: [USER_TURN] });
  expect(raw.chunks.at(-1)).toEqual({ id: 'chatcmpl-long', object: 'chat.completion.chunk', created: 7, model: 'gpt-4o-mini', system_fingerprint: 'fp_1', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
  expect(raw.chunks[0].choices[0].delta.content.length).toBe(200_000);
  expect(await gw.waitForRow(raw.requestId)).toMatchObject({ status: 200, stream: true });
});
