/**
 * The official `openai` SDK's chat streams on every provider at once (OpenAI, DeepSeek, Claude,
 * Gemini, Ollama, Kimi, Grok), each fake upstream replaying its recorded wire shapes: what the
 * SDK's stream helper needs of parallel tool calls (index, id, type, name on each call, a
 * finish_reason, a role), the usage chunk only when `stream_options.include_usage` asks for it
 * (the row counting the tokens either way), a stream the client aborts (one 499 row, billed), and
 * `n` > 1 (sent, made Gemini's candidateCount, or refused before any call). Rows are picked by
 * the `x-request-id` of each answer.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { ChatOpenAI } from '@langchain/openai';
import { fixtureJson, fixtureText, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicSse } from '../anthropic/fake-anthropic';
import { sdkClient } from './openai-sdk-fakes';

const PROVIDERS = ['openai', 'deepseek', 'anthropic', 'gemini', 'ollama', 'moonshot', 'grok'] as const;
type Provider = (typeof PROVIDERS)[number];
const up = Object.fromEntries(PROVIDERS.map((p) => [p, startFakeUpstream()])) as Record<Provider, FakeUpstream>;
let gw: TestGateway;
useGateway((g) => void (gw = g), {
  env: {
    ...providerEnv('openai', `${up.openai.url}/v1`),
    ...providerEnv('deepseek', up.deepseek.url),
    ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
    LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: up.anthropic.url,
    ...providerEnv('gemini', up.gemini.url),
    ...providerEnv('ollama', `${up.ollama.url}/v1`),
    ...providerEnv('moonshot', `${up.moonshot.url}/v1`),
    ...providerEnv('grok', `${up.grok.url}/v1`),
  },
});
afterAll(() => Object.values(up).forEach((u) => u.close()));

const MODEL: Record<Provider, string> = {
  openai: 'gpt-4o-mini',
  deepseek: 'deepseek-chat',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini/gemini-3-pro-preview',
  ollama: 'ollama/llama3.1:8b',
  moonshot: 'moonshot/kimi-k2-0905-preview',
  grok: 'grok/grok-4-fast-non-reasoning',
};

const tools = [
  { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
];
const messages = [{ role: 'user' as const, content: 'Weather in Paris and Tokyo?' }];

/** Anthropic's SSE events as one body (event: + data: lines). */
const anthropicEvents = (events: [string, object][]) =>
  new Response(events.map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`).join(''), {
    headers: { 'content-type': 'text/event-stream' },
  });

/** Claude's turn as it streams it: a text block at index 0, then two tool_use blocks (1 and 2), arguments in pieces. */
const claudeTwoCalls = () =>
  anthropicEvents([
    ['message_start', { message: { id: 'msg_01TwoCalls', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [], stop_reason: null, usage: { input_tokens: 410, cache_read_input_tokens: 64, output_tokens: 1 } } }],
    ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Checking both.' } }],
    ['content_block_stop', { index: 0 }],
    ['content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_01Paris', name: 'get_weather', input: {} } }],
    ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "Paris"}' } }],
    ['content_block_stop', { index: 1 }],
    ['content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_01Tokyo', name: 'get_weather', input: {} } }],
    ['content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"city": ' } }],
    ['content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '"Tokyo"}' } }],
    ['content_block_stop', { index: 2 }],
    ['message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 52 } }],
    ['message_stop', {}],
  ]);

/** Each provider's recorded stream of two parallel get_weather calls (Paris, Tokyo). */
const TOOL_STREAM: Record<Provider, () => Response> = {
  openai: () => sseResponse(readChunks('openai', 'tools.chunks.txt')),
  deepseek: () => sseResponse(readChunks('deepseek', 'tools.chunks.txt')),
  anthropic: claudeTwoCalls,
  gemini: () => sseResponse(readChunks('gemini', 'tool-call-gemini3.chunks.txt')),
  ollama: () => sseResponse(readChunks('ollama', 'tools.chunks.txt')),
  moonshot: () => sseResponse(readChunks('moonshot', 'tools.chunks.txt')),
  grok: () => sseResponse(readChunks('grok', 'tools.chunks.txt')),
};

/** The usage each recorded tool stream reports, in OpenAI's convention (what the SDK and the row must show). */
const TOOL_USAGE: Record<Provider, { prompt: number; cached: number; completion: number; reasoning: number }> = {
  openai: { prompt: 82, cached: 0, completion: 46, reasoning: 0 },
  deepseek: { prompt: 210, cached: 192, completion: 40, reasoning: 0 },
  anthropic: { prompt: 474, cached: 64, completion: 52, reasoning: 0 },
  gemini: { prompt: 61, cached: 0, completion: 276, reasoning: 240 },
  ollama: { prompt: 171, cached: 0, completion: 36, reasoning: 0 },
  moonshot: { prompt: 96, cached: 0, completion: 38, reasoning: 0 },
  grok: { prompt: 120, cached: 0, completion: 44, reasoning: 0 },
};

describe('chat.completions.stream with two parallel tool calls and include_usage', () => {
  for (const p of PROVIDERS) {
    test(`${p}: each call whole (id, type, name, arguments), done events, finish tool_calls; usage details as the row counts them`, async () => {
      up[p].handler = TOOL_STREAM[p];
      const { client, ids } = sdkClient(gw);
      const s = client.chat.completions.stream({ model: MODEL[p], messages, tools, stream_options: { include_usage: true } });
      const done: string[] = [];
      s.on('tool_calls.function.arguments.done', (e) => done.push(JSON.parse(e.arguments).city));
      const fin = await s.finalChatCompletion();
      const choice = fin.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.role).toBe('assistant');
      const calls = choice.message.tool_calls!.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments).city]);
      expect(calls).toEqual([['get_weather', 'Paris'], ['get_weather', 'Tokyo']]);
      expect(new Set(choice.message.tool_calls!.map((c) => c.id)).size).toBe(2);
      expect(done).toEqual(['Paris', 'Tokyo']);
      const u = TOOL_USAGE[p];
      expect(fin.usage).toMatchObject({
        prompt_tokens: u.prompt,
        completion_tokens: u.completion,
        total_tokens: u.prompt + u.completion,
        prompt_tokens_details: { cached_tokens: u.cached },
        completion_tokens_details: { reasoning_tokens: u.reasoning },
      });
      const row = await gw.waitForRow(ids.last());
      expect([row.status, row.promptTokens, row.cachedTokens, row.completionTokens, row.reasoningTokens]).toEqual([200, u.prompt, u.cached, u.completion, u.reasoning]);
    });
  }

  test('LangChain ChatOpenAI on Claude, streamed: the calls of tool_use blocks 1 and 2 are tool calls 0 and 1, whole', async () => {
    up.anthropic.handler = claudeTwoCalls;
    const model = new ChatOpenAI({ model: MODEL.anthropic, apiKey: gw.clientKey, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1` } }).bindTools(tools);
    let message: any;
    for await (const c of await model.stream('Weather in Paris and Tokyo?')) message = message ? message.concat(c) : c;
    expect(message.content).toBe('Checking both.');
    expect(message.tool_calls.map((c: any) => [c.id, c.args])).toEqual([['toolu_01Paris', { city: 'Paris' }], ['toolu_01Tokyo', { city: 'Tokyo' }]]);
    expect(message.usage_metadata).toMatchObject({ input_tokens: 474, output_tokens: 52, input_token_details: { cache_read: 64 } });
  });
});

/** Each provider's recorded plain text stream; `hangAfter`: go silent after that many payloads (Anthropic: events). */
function textStream(p: Provider, hang?: { after: number; fake: FakeUpstream }): Response {
  if (p === 'anthropic') {
    if (!hang) return anthropicSse('text.sse');
    const events = fixtureText('anthropic', 'text.sse').split(/\n\n+/).filter((e) => e.trim()).slice(0, hang.after);
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) return new Promise(() => {}); // silent until the reader cancels
        sent = true;
        c.enqueue(new TextEncoder().encode(events.map((e) => `${e}\n\n`).join('')));
      },
      cancel: () => hang.fake.noteAbort(),
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  }
  return sseResponse(readChunks(p, 'text.chunks.txt'), hang && { hangAfter: hang.after, onAbort: () => hang.fake.noteAbort() });
}

describe('stream_options.include_usage', () => {
  for (const p of PROVIDERS) {
    test(`${p}: not asked, no chunk carries usage (nor is a choice-less one sent); the row still has the tokens`, async () => {
      up[p].handler = () => textStream(p);
      const { client, ids } = sdkClient(gw);
      const chunks: any[] = [];
      for await (const c of await client.chat.completions.create({ model: MODEL[p], messages, stream: true })) chunks.push(c);
      expect(chunks.filter((c) => c.usage != null || c.choices.length === 0)).toEqual([]);
      expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
      const row = await gw.waitForRow(ids.last());
      expect(row.status).toBe(200);
      expect(row.promptTokens).toBeGreaterThan(0);
      expect(row.completionTokens).toBeGreaterThan(0);
    });
  }
});

/** Payloads each text stream sends before going silent: enough for a first piece of content. */
const HANG_AFTER: Record<Provider, number> = { openai: 3, deepseek: 4, anthropic: 4, gemini: 3, ollama: 3, moonshot: 3, grok: 3 };

describe('the client aborts mid-stream (AbortController)', () => {
  for (const p of PROVIDERS) {
    test(`${p}: the upstream call is cancelled; one 499 row billing the prompt and the delivered text`, async () => {
      const aborted = up[p].aborts;
      up[p].handler = (_req, _rec, fake) => textStream(p, { after: HANG_AFTER[p], fake });
      const { client, ids } = sdkClient(gw);
      const ac = new AbortController();
      const stream = await client.chat.completions.create({ model: MODEL[p], messages, stream: true, stream_options: { include_usage: true } }, { signal: ac.signal });
      let content = '';
      // The SDK ends the iteration when its signal aborts.
      for await (const c of stream) {
        content += c.choices[0]?.delta?.content ?? '';
        if (content) ac.abort();
      }
      expect(content).not.toBe('');
      await up[p].waitForAbort(aborted + 1);
      const row = await gw.waitForRow(ids.last());
      expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', stream: true, estimated: true });
      expect(row.promptTokens).toBeGreaterThan(0);
      expect(row.completionTokens).toBeGreaterThan(0);
      expect(row.costUsd).toBeGreaterThanOrEqual(0);
    });
  }
});

describe('n > 1', () => {
  test('Gemini: n becomes candidateCount; each candidate a choice with its own finish reason', async () => {
    up.gemini.handler = () => jsonResponse(fixtureJson('gemini', 'two-candidates.json'));
    const { data, response } = await sdkClient(gw).client.chat.completions.create({ model: 'gemini/gemini-2.0-flash', messages, n: 2 }).withResponse();
    expect(up.gemini.last().body.generationConfig).toMatchObject({ candidateCount: 2 });
    expect(data.choices.map((c) => [c.index, c.finish_reason, c.message.content])).toEqual([[0, 'length', 'Roses are red,'], [1, 'content_filter', '']]);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: 6, completionTokens: 4 });
  });

  test('Gemini streamed: each candidate its own choice, its own calls from index 0', async () => {
    const event = (candidates: object[]) => JSON.stringify({ candidates, usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 20, totalTokenCount: 32 }, responseId: 'n2' });
    const call = (city: string) => ({ functionCall: { name: 'get_weather', args: { city } } });
    up.gemini.handler = () =>
      sseResponse([
        event([{ index: 0, content: { role: 'model', parts: [call('Paris')] } }, { index: 1, content: { role: 'model', parts: [{ text: 'Rome first.' }] } }]),
        event([{ index: 0, content: { role: 'model', parts: [call('Tokyo')] }, finishReason: 'STOP' }, { index: 1, content: { role: 'model', parts: [call('Rome')] }, finishReason: 'STOP' }]),
      ]);
    const fin = await sdkClient(gw).client.chat.completions.stream({ model: 'gemini/gemini-2.5-flash', messages, tools, n: 2 }).finalChatCompletion();
    expect(fin.choices.map((c) => [c.index, c.finish_reason, c.message.content, c.message.tool_calls!.map((t) => t.type === 'function' && JSON.parse(t.function.arguments).city)])).toEqual([
      [0, 'tool_calls', null, ['Paris', 'Tokyo']],
      [1, 'tool_calls', 'Rome first.', ['Rome']],
    ]);
  });

  for (const p of ['openai', 'moonshot', 'grok'] as const) {
    test(`${p}: n goes up as sent`, async () => {
      up[p].handler = () => jsonResponse(fixtureJson(p, 'chat.json'));
      await sdkClient(gw).client.chat.completions.create({ model: MODEL[p], messages, n: 2 });
      expect(up[p].last().body.n).toBe(2);
    });
  }

  for (const p of ['deepseek', 'anthropic', 'ollama'] as const) {
    for (const stream of [false, true]) {
      test(`${p}${stream ? ', streamed' : ''}: a 400 unsupported_parameter naming n, before any call; a 400 row`, async () => {
        const before = up[p].requests.length;
        const err = await apiError(sdkClient(gw).client.chat.completions.create({ model: MODEL[p], messages, n: 2, stream }));
        expect([err.status, err.code, err.param, err.type]).toEqual([400, 'unsupported_parameter', 'n', 'invalid_request_error']);
        expect(up[p].requests.length).toBe(before);
        expect(await gw.waitForRow(err)).toMatchObject({ status: 400 });
      });
    }
  }
});
