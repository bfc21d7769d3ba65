/**
 * The two Anthropic clients besides the raw SDK, the Vercel AI SDK's `@ai-sdk/anthropic` and
 * LangChain's `ChatAnthropic`, on POST /v1/messages for what the other SDK files leave out: an image
 * with a system prompt, thinking asked through providerOptions (streamed), a stream the client
 * aborts, a spent budget, a tool result carrying an image and a failed tool, OpenAI's cached and
 * reasoning usage, and OpenAI's refusals as each SDK's error. Each runs on Claude (a fake Anthropic
 * replaying its SSE, passed through) and on an OpenAI model (translated through chat); each request's
 * one log row is picked by its x-request-id.
 */
import { describe, expect, test } from 'bun:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { ChatAnthropic } from '@langchain/anthropic';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { APICallError, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { fixtureJson, fixtureText, jsonResponse, readChunks, sseResponse, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { limitedClient } from '../limits/limits-helpers';
import { useFakeProviders } from './fake-providers';
import { fixtureWith, idRecorder } from './langchain-helpers';

// The SDK does not know the output limits of the gateway's ids: expected here.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let gw: TestGateway;
const { anthropicUp, openaiUp } = useFakeProviders((g) => void (gw = g));
const rec = idRecorder(); // an aborted stream has no response object to read its id from
const aiSdk = (key = gw.clientKey) => createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: key, fetch: rec.fetch });
const langchain = (model: string, key = gw.clientKey) =>
  new ChatAnthropic({ model, apiKey: key, anthropicApiUrl: gw.url, maxRetries: 0, clientOptions: { fetch: rec.fetch, timeout: 20_000 } });
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** A recorded Anthropic stream sent event by event up to `upTo` events, then silent until the gateway hangs up. */
function anthropicHanging(name: string, upTo: number, fake: FakeUpstream): Response {
  const events = fixtureText('anthropic', name).split(/\n\n+/).filter((e) => e.trim()).map((e) => `${e}\n\n`);
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull: (c) => (i < upTo ? c.enqueue(new TextEncoder().encode(events[i++]!)) : new Promise<void>(() => {})),
    cancel: () => fake.noteAbort(),
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

interface Kind {
  name: string;
  model: string;
  up: () => FakeUpstream;
  /** Answers plain and streamed calls with the provider's recorded text. */
  text: () => void;
  /** The stream that stops after some text and waits. */
  hang: () => void;
}
const KINDS: Kind[] = [
  {
    name: 'Claude (pass-through)', model: 'claude-sonnet-4-5', up: () => anthropicUp,
    text: () => void (anthropicUp.handler = () => jsonResponse(fixtureJson('anthropic', 'text.json'))),
    hang: () => void (anthropicUp.handler = (_q, _r, f) => anthropicHanging('text.sse', 4, f)),
  },
  {
    name: 'OpenAI (translated)', model: 'openai/gpt-4o-mini', up: () => openaiUp,
    text: () => void (openaiUp.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'))),
    hang: () => void (openaiUp.handler = (_q, _r, f) => sseResponse(readChunks('openai', 'text.chunks.txt'), { hangAfter: 3, onAbort: () => f.noteAbort() })),
  },
];

for (const k of KINDS) {
  describe(k.name, () => {
    test('AI SDK: a system prompt and an image reach the upstream in its own shape; usage is the row\'s', async () => {
      k.text();
      const r = await generateText({
        model: aiSdk()(k.model), system: 'Be brief.', maxRetries: 0,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', image: Buffer.from(PNG, 'base64'), mediaType: 'image/png' }] }],
      });
      const body = k.up().last().body;
      if (k.up() === anthropicUp) {
        expect(body.system).toEqual([{ type: 'text', text: 'Be brief.' }]);
        expect(body.messages[0].content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } });
      } else {
        expect(body.messages).toEqual([
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
        ]);
      }
      const row = await gw.waitForRow(idOf(r.response.headers));
      expect<unknown[]>([row.status, row.promptTokens, row.completionTokens]).toEqual([200, r.usage.inputTokens, r.usage.outputTokens]);
    });

    test('LangChain: a system message and an image_url data URI, the same way', async () => {
      k.text();
      const m = await langchain(k.model).invoke([
        new SystemMessage('Be brief.'),
        new HumanMessage({ content: [{ type: 'text', text: 'What?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }),
      ]);
      const body = k.up().last().body;
      const image = k.up() === anthropicUp ? body.messages[0].content[1].source.data : body.messages[1].content[1].image_url.url;
      expect(image).toEndWith(PNG);
      const row = await gw.waitForRow(rec.last());
      expect([row.status, row.promptTokens, row.completionTokens]).toEqual([200, m.usage_metadata!.input_tokens, m.usage_metadata!.output_tokens]);
    });

    test('AI SDK and LangChain: aborting mid-stream aborts the upstream call; one 499 row each', async () => {
      k.hang();
      const aborted = k.up().aborts;
      const ac = new AbortController();
      const r = streamText({ model: aiSdk()(k.model), prompt: 'Hello', abortSignal: ac.signal, maxRetries: 0 });
      const types: string[] = [];
      for await (const p of r.fullStream) {
        types.push(p.type);
        if (p.type === 'text-delta') ac.abort();
      }
      expect(types).toContain('text-delta');
      expect(types.at(-1)).toBe('abort');
      await k.up().waitForAbort(aborted + 1);
      expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'messages', stream: true, status: 499, errorType: 'client_closed_request' });

      const lcAbort = new AbortController();
      const err = await (async () => {
        for await (const c of await langchain(k.model).stream('Hello', { signal: lcAbort.signal })) if (c.content) lcAbort.abort();
      })().catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      await k.up().waitForAbort(aborted + 2);
      expect(await gw.waitForRow(rec.last())).toMatchObject({ stream: true, status: 499, errorType: 'client_closed_request' });
    });

    test('a spent budget: the AI SDK\'s APICallError and LangChain\'s RateLimitError carry the 429 and its message; no upstream call', async () => {
      const { key } = await limitedClient(gw, `spent-${k.model}`, { budgetUsd: 0.0000001, budgetPeriod: 'day' });
      const calls = k.up().requests.length;
      const err: any = await generateText({ model: aiSdk(key)(k.model), prompt: 'Hello', maxRetries: 0 }).catch((e) => e);
      expect(APICallError.isInstance(err)).toBe(true);
      expect(err.statusCode).toBe(429);
      expect(err.message).toStartWith(`Budget exceeded for key 'spent-${k.model}'`);
      expect(await gw.waitForRow(idOf(err.responseHeaders))).toMatchObject({ status: 429, errorType: 'budget_exceeded', costUsd: 0 });

      const parts: any[] = await Array.fromAsync(streamText({ model: aiSdk(key)(k.model), prompt: 'Hello', maxRetries: 0, onError: () => {} }).fullStream);
      const streamed = parts.filter((p) => p.type === 'error').map((p) => p.error);
      expect(streamed.map((e) => [APICallError.isInstance(e), e.statusCode])).toEqual([[true, 429]]);

      const lc: any = await langchain(k.model, key).invoke('Hello').catch((e) => e);
      expect([lc.constructor.name, lc.status, lc.error?.error?.type]).toEqual(['RateLimitError', 429, 'rate_limit_error']);
      expect(lc.error.error.message).toStartWith('Budget exceeded');
      expect(k.up().requests.length).toBe(calls);
    });
  });
}

describe('thinking through providerOptions, streamed', () => {
  const thinking = { anthropic: { thinking: { type: 'enabled', budgetTokens: 8000 } } } as const;

  test('Claude: the budget reaches Anthropic; reasoning parts then text; the reasoning tokens are the row\'s', async () => {
    anthropicUp.handler = () => new Response(fixtureText('anthropic', 'thinking-tokens.sse'), { headers: { 'content-type': 'text/event-stream' } });
    const r = streamText({ model: aiSdk()('claude-sonnet-4-5'), prompt: 'Weather in Paris?', providerOptions: thinking, maxRetries: 0 });
    const types = (await Array.fromAsync(r.fullStream)).map((p) => p.type);
    expect(types.indexOf('reasoning-delta')).toBeLessThan(types.indexOf('text-delta'));
    expect(anthropicUp.last().body.thinking).toEqual({ type: 'enabled', budget_tokens: 8000 });
    expect(await r.reasoningText).toBe('The user wants the weather in Paris. I should call get_weather.');
    const usage = await r.usage;
    const row = await gw.waitForRow(idOf((await r.response).headers));
    expect<unknown[]>([row.promptTokens, row.completionTokens, row.reasoningTokens]).toEqual([usage.inputTokens, usage.outputTokens, usage.outputTokenDetails.reasoningTokens]);
  });

  test('an OpenAI reasoning model: the budget becomes a reasoning_effort, max_tokens counts it', async () => {
    openaiUp.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'));
    const r = streamText({ model: aiSdk()('openai/o4-mini'), prompt: 'Hello', providerOptions: thinking, maxRetries: 0 });
    expect(await r.text).toBe('Hello! How can I help you today?');
    expect(openaiUp.last().body).toMatchObject({ model: 'o4-mini', reasoning_effort: 'high', max_completion_tokens: 4096 + 8000 });
    expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({ status: 200, promptTokens: 19, completionTokens: 9 });
  });
});

describe('translated to OpenAI', () => {
  test('AI SDK tool loop: an image in a tool result follows the tool messages as a user image; a failed tool reads as an error', async () => {
    const answers = ['tools.json', 'chat.json'];
    openaiUp.handler = () => jsonResponse(fixtureJson('openai', answers.shift() ?? 'chat.json'));
    const weather = tool({
      description: 'Current weather for a city',
      inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
      execute: async ({ city }) => {
        if (city === 'Tokyo') throw new Error('Tokyo is down');
        return { city };
      },
      toModelOutput: ({ output }: { output: unknown }) => ({
        type: 'content' as const,
        value: [{ type: 'text' as const, text: JSON.stringify(output) }, { type: 'file' as const, data: { type: 'data' as const, data: PNG }, mediaType: 'image/png' }],
      }),
    });
    const r = await generateText({ model: aiSdk()('openai/gpt-4o-mini'), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    expect(r.text).toBe('Hello! How can I help you today?');
    expect(openaiUp.last().body.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_Kx9mPa2QwErT', content: '{"city":"Paris"}' },
      { role: 'tool', tool_call_id: 'call_Lm3nQb7ZxCvB', content: 'Error: Tokyo is down' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
    ]);
    for (const s of r.steps) expect((await gw.waitForRow(idOf(s.response.headers))).status).toBe(200);
  });

  test('cached and reasoning tokens, cut at max tokens: each SDK reads the row\'s counts and the length stop', async () => {
    openaiUp.handler = () => jsonResponse(fixtureWith('openai', 'chat.json', (j) => {
      j.choices[0].finish_reason = 'length';
      j.usage = { prompt_tokens: 2000, completion_tokens: 300, total_tokens: 2300, prompt_tokens_details: { cached_tokens: 1536 }, completion_tokens_details: { reasoning_tokens: 256 } };
    }));
    const r = await generateText({ model: aiSdk()('openai/gpt-4o-mini'), prompt: 'Hello', maxOutputTokens: 300, maxRetries: 0 });
    expect(r.finishReason).toBe('length');
    const row = await gw.waitForRow(idOf(r.response.headers));
    expect([row.promptTokens, row.cachedTokens, row.completionTokens, row.reasoningTokens]).toEqual([2000, 1536, 300, 256]);
    expect([r.usage.inputTokens, r.usage.inputTokenDetails.cacheReadTokens, r.usage.outputTokens, r.usage.outputTokenDetails.reasoningTokens]).toEqual([2000, 1536, 300, 256]);
    const m = await langchain('openai/gpt-4o-mini').invoke('Hello');
    expect(m.usage_metadata).toMatchObject({ input_tokens: 2000, output_tokens: 300, input_token_details: { cache_read: 1536 } });
    expect(m.response_metadata.stop_reason).toBe('max_tokens');
  });

  test("OpenAI's refusals as each SDK's error: a 429 with its retry-after, a context overflow LangChain recognises", async () => {
    gw.ctx.breakers.reset();
    openaiUp.handler = () => jsonResponse({ error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '7' });
    const limited: any = await generateText({ model: aiSdk()('openai/gpt-4o-mini'), prompt: 'Hello', maxRetries: 0 }).catch((e) => e);
    expect([APICallError.isInstance(limited), limited.statusCode, limited.responseHeaders['retry-after']]).toEqual([true, 429, '7']);
    expect(limited.message).toContain('Rate limit reached for gpt-4o-mini');
    expect(await gw.waitForRow(idOf(limited.responseHeaders))).toMatchObject({ status: 429 });

    openaiUp.handler = () => jsonResponse({ error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' } }, 400);
    const overflow: any = await langchain('openai/gpt-4o-mini').invoke('Hello').catch((e) => e);
    expect([overflow.constructor.name, overflow.lc_error_code]).toEqual(['ContextOverflowError', 'CONTEXT_OVERFLOW']);
    expect(String(overflow.message)).toContain("This model's maximum context length is 128000 tokens.");
    expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 400 });
  });
});
