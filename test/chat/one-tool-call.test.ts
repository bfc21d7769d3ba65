/**
 * `parallel_tool_calls: false` on /v1/chat/completions promises one tool call at most. OpenAI
 * honours it; Gemini's API has no such setting (the adapter drops the field) and Ollama-style
 * servers ignore it, so the gateway keeps the turn's first call, JSON and stream: later calls'
 * deltas never reach the client, indexes stay 0, the finish reason stays `tool_calls`, every
 * chunk is schema-valid, and the row bills what the upstream made. Driven by the official
 * `openai` SDK against fake upstreams replaying Gemini's recorded two-call stream and OpenAI's
 * (served as an Ollama that ignores the flag); interleaved and index-less calls as DeepSeek and
 * Ollama have sent them. Rows picked by request id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { foldChatChunks, foldGeminiChunks } from '../messages/messages-helpers';
import { sdkClient } from '../sdk/openai-sdk-fakes';
import { USER_TURN, WEATHER_TOOLS as tools } from '../helpers/weather-tool-loop';

let gemini: FakeUpstream;
let ollama: FakeUpstream;
let gw: TestGateway;
const geminiCalls = readChunks('gemini', 'tool-call-gemini3.chunks.txt');
const openaiCalls = readChunks('openai', 'tools.chunks.txt');

beforeAll(async () => {
  gemini = startFakeUpstream((_r, rec) => (rec.path.includes(':streamGenerateContent') ? sseResponse(geminiCalls) : jsonResponse(foldGeminiChunks(geminiCalls))));
  ollama = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(openaiCalls) : jsonResponse(foldChatChunks(openaiCalls))));
  gw = await startGateway({ env: { ...providerEnv('gemini', gemini.url), ...providerEnv('ollama', `${ollama.url}/v1`) } });
});
afterAll(async () => {
  await gw.close();
  gemini.close();
  ollama.close();
});

/** The raw chunks of a streamed request (parsed, [DONE] checked and left off) and its request id. */
async function rawStream(body: Record<string, unknown>) {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ ...body, stream: true }) });
  expect(res.status).toBe(200);
  const data = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  expect(data.at(-1)).toBe('[DONE]');
  return { chunks: data.slice(0, -1).map((d) => JSON.parse(d)), requestId: res.headers.get('x-request-id')! };
}
const deltasOf = (chunks: any[]) => chunks.flatMap((c) => c.choices.flatMap((x: any) => x.delta?.tool_calls ?? []));
const citiesOf = (calls: { function: { arguments: string } }[]) => calls.map((c) => JSON.parse(c.function.arguments).city);

describe.each([
  ['gemini', 'gemini/gemini-3-pro-preview'],
  ['ollama', 'ollama/qwen3:8b'],
])('%s makes two calls whatever the flag says', (_provider, model) => {
  const req = { model, messages: [USER_TURN], tools };

  test('without parallel_tool_calls: false both reach the client', async () => {
    const { client } = sdkClient(gw);
    expect(citiesOf((await client.chat.completions.create(req)).choices[0]!.message.tool_calls as any)).toEqual(['Paris', 'Tokyo']);
    const final = await client.chat.completions.stream(req).finalChatCompletion();
    expect(citiesOf(final.choices[0]!.message.tool_calls as any)).toEqual(['Paris', 'Tokyo']);
  });

  test('parallel_tool_calls: false: the first call alone, JSON and stream (SDK helper and raw chunks), schema-valid; the row bills all it made', async () => {
    const single = { ...req, parallel_tool_calls: false };
    const sdk = sdkClient(gw);
    const json = await sdk.client.chat.completions.create(single);
    expect(citiesOf(json.choices[0]!.message.tool_calls as any)).toEqual(['Paris']);
    expect(json.choices[0]!.finish_reason).toBe('tool_calls');
    expect(openaiSchemaErrors('CreateChatCompletionResponse', json)).toEqual([]);
    const jsonRow = await gw.waitForRow(sdk.ids.last());
    expect(jsonRow.status).toBe(200);

    const final = await sdk.client.chat.completions.stream({ ...single, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(citiesOf(final.choices[0]!.message.tool_calls as any)).toEqual(['Paris']);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    const streamRow = await gw.waitForRow(sdk.ids.last());
    // The upstream's usage counts both calls: the row bills them, as for the JSON answer.
    expect(streamRow).toMatchObject({ status: 200, stream: true, completionTokens: jsonRow.completionTokens });

    const raw = await rawStream(single);
    for (const c of raw.chunks) expect(openaiSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
    expect(new Set(deltasOf(raw.chunks).map((d: any) => d.index))).toEqual(new Set([0]));
    expect(JSON.stringify(raw.chunks)).not.toContain('Tokyo');
    expect(raw.chunks.flatMap((c) => c.choices.map((x: any) => x.finish_reason)).filter(Boolean)).toEqual(['tool_calls']);
  });
});

describe('calls an OpenAI-compatible upstream sends out of order', () => {
  // Ollama's envelope, the role on every delta as Ollama sends it.
  const chunk = (delta: any, finish: string | null = null) =>
    JSON.stringify({ id: 'chatcmpl-519', object: 'chat.completion.chunk', created: 1757925900, model: 'qwen3:8b', system_fingerprint: 'fp_ollama', choices: [{ index: 0, delta: { role: 'assistant', ...delta }, finish_reason: finish }] });
  const call = (id: string | undefined, index: number | undefined, args: string, name?: string) =>
    chunk({ tool_calls: [{ ...(id ? { id, type: 'function' } : {}), ...(index === undefined ? {} : { index }), function: { ...(name ? { name } : {}), arguments: args } }] });
  const end = [chunk({}, 'tool_calls'), '[DONE]'];
  const SCENARIOS: Record<string, string[]> = {
    // DeepSeek and vLLM: pieces of parallel calls interleaved.
    'interleaved pieces (A, B, more of A, more of B)': [call('call_a', 0, '{"city":', 'get_weather'), call('call_b', 1, '{"city":', 'get_weather'), call(undefined, 0, ' "Paris"}'), call(undefined, 1, ' "Tokyo"}'), ...end],
    // Ollama before 0.4.7: no index at all.
    'no index': [call('call_a', undefined, '{"city": "Paris"}', 'get_weather'), call('call_b', undefined, '{"city": "Tokyo"}', 'get_weather'), ...end],
    // Ollama with several models: every call on index 0, told apart by id.
    'every call on index 0': [call('call_a', 0, '{"city": "Paris"}', 'get_weather'), call('call_b', 0, '{"city":', 'get_weather'), call('call_b', 0, ' "Tokyo"}'), ...end],
  };
  for (const [name, chunks] of Object.entries(SCENARIOS)) {
    test(`${name}: only the first call's deltas, on index 0, its arguments whole`, async () => {
      ollama.handler = () => sseResponse(chunks);
      try {
        const sdk = sdkClient(gw);
        const final = await sdk.client.chat.completions.stream({ model: 'ollama/qwen3:8b', messages: [USER_TURN], tools, parallel_tool_calls: false }).finalChatCompletion();
        expect(final.choices[0]!.message.tool_calls!.map((c: any) => [c.id, c.function.arguments.replace(/\s/g, '')])).toEqual([['call_a', '{"city":"Paris"}']]);
        expect((await gw.waitForRow(sdk.ids.last())).status).toBe(200);

        const raw = await rawStream({ model: 'ollama/qwen3:8b', messages: [USER_TURN], tools, parallel_tool_calls: false });
        for (const c of raw.chunks) expect(openaiSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
        expect(deltasOf(raw.chunks).every((d: any) => d.index === 0)).toBe(true);
        expect(JSON.stringify(raw.chunks)).not.toContain('call_b');
        // Without usage from the upstream, the estimate counts the call left out too (what the upstream made).
        const plain = await rawStream({ model: 'ollama/qwen3:8b', messages: [USER_TURN], tools });
        const [cut, whole] = [await gw.waitForRow(raw.requestId), await gw.waitForRow(plain.requestId)];
        expect(cut.completionTokens).toBe(whole.completionTokens);
      } finally {
        ollama.handler = (_r, rec) => (rec.body.stream ? sseResponse(openaiCalls) : jsonResponse(foldChatChunks(openaiCalls)));
      }
    });
  }
});
