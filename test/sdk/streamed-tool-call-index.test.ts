/**
 * Streamed tool calls from an OpenAI-compatible upstream that numbers them wrongly, as Ollama
 * does: no `index` on the `tool_calls` deltas (before 0.4.7), or `index: 0` on every call
 * (ollama/ollama#15457, #15497). The gateway relays OpenAI's shape, each call with its own index,
 * so the AI SDK and the OpenAI SDK's stream helper get both calls as the model made them.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { ChatOpenAI } from '@langchain/openai';
import { readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { idRecorder, weatherTool } from './langchain-helpers';

const ollama = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('ollama', `${ollama.url}/v1`) });
afterAll(() => ollama.close());

const MODEL = 'ollama/qwen2.5-coder:7b';
/** An Ollama stream chunk (its recorded envelope) with these choices, or usage. */
const chunk = (rest: Record<string, unknown>) =>
  JSON.stringify({ id: 'chatcmpl-519', object: 'chat.completion.chunk', created: 1757925900, model: 'qwen2.5-coder:7b', system_fingerprint: 'fp_ollama', ...rest });
const callDelta = (id: string, city: string, index: number | undefined) =>
  chunk({
    choices: [
      {
        index: 0,
        delta: { role: 'assistant', content: '', tool_calls: [{ id, ...(index === undefined ? {} : { index }), type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } }] },
        finish_reason: null,
      },
    ],
  });
/** Two calls, each whole in its own chunk as Ollama sends them, numbered by `index(n)`. */
const twoCalls = (index: (n: number) => number | undefined) => [
  callDelta('call_x8k2m4p1', 'Paris', index(0)),
  callDelta('call_q7w3e9r2', 'Tokyo', index(1)),
  chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'tool_calls' }] }),
  chunk({ choices: [], usage: { prompt_tokens: 171, completion_tokens: 36, total_tokens: 207 } }),
  '[DONE]',
];
const NO_INDEX = twoCalls(() => undefined);
const INDEX_ZERO = twoCalls(() => 0);
const CALLS = [
  ['call_x8k2m4p1', { city: 'Paris' }],
  ['call_q7w3e9r2', { city: 'Tokyo' }],
];

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
  execute: async ({ city }) => ({ city, sky: city === 'Paris' ? 'sunny' : 'rain' }),
});

describe('AI SDK streamText through the chat model', () => {
  for (const [name, calls] of [['without index', NO_INDEX], ['all on index 0', INDEX_ZERO]] as const) {
    test(`calls ${name}: both run, results go back, the answer streams; the row counts the tokens`, async () => {
      let n = 0;
      ollama.handler = () => sseResponse(n++ === 0 ? calls : readChunks('ollama', 'text.chunks.txt'));
      const r = streamText({
        model: createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey }).chat(MODEL),
        prompt: 'Weather in Paris and Tokyo?',
        tools: { get_weather: weather },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      const parts: any[] = await Array.fromAsync(r.fullStream);
      expect(parts.filter((p) => p.type === 'error')).toEqual([]);
      expect(parts.filter((p) => p.type === 'tool-call').map((p) => [p.toolCallId, p.input])).toEqual(CALLS);
      const steps = await r.steps;
      expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
      expect(ollama.last().body.messages.filter((m: any) => m.role === 'tool').map((m: any) => [m.tool_call_id, JSON.parse(m.content).sky])).toEqual([
        ['call_x8k2m4p1', 'sunny'],
        ['call_q7w3e9r2', 'rain'],
      ]);
      expect(steps[0]!.usage).toMatchObject({ inputTokens: 171, outputTokens: 36 });
      expect(await gw.waitForRow(steps[0]!.response.headers!['x-request-id']!)).toMatchObject({ stream: true, status: 200, promptTokens: 171, completionTokens: 36 });
    });
  }
});

describe("OpenAI SDK's chat.completions.stream helper", () => {
  for (const [name, calls] of [['without index', NO_INDEX], ['all on index 0', INDEX_ZERO]] as const) {
    test(`calls ${name}: two calls in the final completion, each with its own arguments`, async () => {
      ollama.handler = () => sseResponse(calls);
      const stream = gw.openai().chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] });
      const done = await stream.finalChatCompletion();
      expect(done.choices[0]!.finish_reason).toBe('tool_calls');
      expect(done.choices[0]!.message.tool_calls!.map((c: any) => [c.id, JSON.parse(c.function.arguments)])).toEqual(CALLS);
    });
  }
});

test('calls already numbered right come out as the upstream sent them', async () => {
  const chunks = readChunks('ollama', 'tools.chunks.txt');
  ollama.handler = () => sseResponse(chunks);
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: MODEL, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] }),
  });
  const sent = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
  // (the usage chunk gets OpenAI's usage details, which Ollama leaves out)
  expect(sent.slice(0, 2)).toEqual(chunks.slice(0, 2));
});

test('LangChain ChatOpenAI stream: both calls, whatever the numbering', async () => {
  const rec = idRecorder();
  const model = new ChatOpenAI({ model: MODEL, apiKey: gw.clientKey, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch } }).bindTools([weatherTool]);
  for (const calls of [NO_INDEX, INDEX_ZERO]) {
    ollama.handler = () => sseResponse(calls);
    let message: any;
    for await (const c of await model.stream('Weather?')) message = message ? message.concat(c) : c;
    expect(message.tool_calls.map((c: any) => [c.id, c.args])).toEqual(CALLS);
    expect(message.invalid_tool_calls).toEqual([]);
  }
});
