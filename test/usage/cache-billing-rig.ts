/**
 * The cache-billing tests' rig (cache-billing-*.test.ts): a gateway with every provider on one
 * fake upstream, the upstream replies and usages several files use, each client API's usage in
 * its own convention, and the describe block that runs a table of billing cases.
 */
import { describe, expect, test } from 'bun:test';
import type { LogRow } from '../../src/logging/log-row';
import { jsonResponse, sseEventsResponse, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { fixture } from './load-fixture';

/** Starts a gateway with every provider on the returned fake (then hands it to `ready`); closes it after the file. */
export function useBillingGateway(ready: (gw: TestGateway) => void): FakeUpstream {
  const fake = startFakeUpstream();
  useGateway(ready, {
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      ...providerEnv('deepseek', `${fake.url}/v1`),
      ...providerEnv('moonshot', `${fake.url}/v1`),
      ...providerEnv('grok', `${fake.url}/v1`),
      ...providerEnv('gemini', fake.url),
      ...providerEnv('anthropic', fake.url),
    },
  });
  return fake;
}

export const M = 1e6;

// ---- upstream replies -------------------------------------------------------------------------

export type Reply = () => Response;
export const json = (body: unknown): Reply => () => jsonResponse(body);
export const chatChunks = (payloads: unknown[]): Reply => () => sseResponse(payloads.map((p) => JSON.stringify(p)));
export const anthropicEvents = (events: any[]): Reply => () => sseEventsResponse(events.map((e) => ({ event: e.type, data: JSON.stringify(e) })));

/** SSE events each framed by `frame` (from the event and its 1-based number), sent a read apiece, then the connection cut. */
export const cutStream = (events: any[], frame: (e: any, n: number) => string): Reply => () => {
  const enc = new TextEncoder();
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(c) {
        const e = events[i++];
        if (!e) return c.error(new Error('fake upstream cut the stream'));
        c.enqueue(enc.encode(frame(e, i)));
        await Bun.sleep(1);
      },
    }),
    { headers: { 'content-type': 'text/event-stream' } },
  );
};
/** Anthropic events (named by their type), then the connection cut. */
export const cutAnthropicStream = (events: any[]): Reply => cutStream(events, (e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);

/** An Anthropic message whose prompt read 500 cached tokens and wrote 1000 (5 min) + 2000 (1 h). */
export const anthropicUsage = {
  input_tokens: 12,
  cache_creation_input_tokens: 3000,
  cache_read_input_tokens: 500,
  cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
  output_tokens: 40,
  service_tier: 'standard',
};
export const anthropicMessage = {
  id: 'msg_01CacheBoth0000000000000A', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Thirty days.' }], stop_reason: 'end_turn', stop_sequence: null, usage: anthropicUsage,
};

export const geminiThinking = fixture('gemini-2.5-flash-thinking.json');
/** Gemini: prompt 1045 of which 1024 cached; candidates 8 EXCLUDE thoughts 468: output 476. */
export const geminiRow = { promptTokens: 1045, cachedTokens: 1024, cacheWriteTokens: 0, completionTokens: 476, reasoningTokens: 468, costUsd: (21 * 0.3 + 1024 * 0.03 + 476 * 2.5) / M };

/** The same Gemini answer streamed: a running total first (candidates short of the final count), then the finishing chunk's usageMetadata. */
export const geminiThinkingStream: Reply = () => sseResponse([
  JSON.stringify({ candidates: [{ content: { parts: [{ text: 'The capital' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 1045, candidatesTokenCount: 2, totalTokenCount: 1515, cachedContentTokenCount: 1024, thoughtsTokenCount: 468 }, modelVersion: 'gemini-2.5-flash' }),
  JSON.stringify({ candidates: [{ content: { parts: [{ text: ' of France is Paris.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiThinking.usageMetadata, modelVersion: 'gemini-2.5-flash' }),
]);

export const o3 = fixture('openai-o3-cached-reasoning.json');
/** o3: 2006 prompt of which 1920 cached; 300 completion of which 192 reasoning (billed as output). */
export const o3Row = { promptTokens: 2006, cachedTokens: 1920, cacheWriteTokens: 0, completionTokens: 300, reasoningTokens: 192, costUsd: (86 * 2 + 1920 * 0.5 + 300 * 8) / M };

// ---- client-side usage in each API's convention ----------------------------------------------

/** `audio`: prompt_tokens_details.audio_tokens, every audio token of the prompt as OpenAI counts them (cached ones too). */
export const chatUsage = (prompt: number, cached: number, completion: number, reasoning: number, audio?: number) => ({
  prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: cached, ...(audio === undefined ? {} : { audio_tokens: audio }) }, completion_tokens_details: { reasoning_tokens: reasoning },
});
export const responsesUsage = (input: number, cached: number, output: number, reasoning: number) => ({
  input_tokens: input, input_tokens_details: { cached_tokens: cached },
  output_tokens: output, output_tokens_details: { reasoning_tokens: reasoning }, total_tokens: input + output,
});
/** A chat or Responses usage with Anthropic's prompt-cache writes told as OpenRouter does: `*_details.cache_write_tokens`. */
export const withWrites = (u: any, written: number) =>
  'prompt_tokens_details' in u
    ? { ...u, prompt_tokens_details: { ...u.prompt_tokens_details, cache_write_tokens: written } }
    : { ...u, input_tokens_details: { ...u.input_tokens_details, cache_write_tokens: written } };
export const anthropicClientUsage = (input: number, read: number, write: number, output: number, thinking = 0) => ({
  input_tokens: input, cache_read_input_tokens: read, cache_creation_input_tokens: write, output_tokens: output,
  // Of the output, the upstream's reasoning, told only when there was some (messages/chat-to-message.ts toAnthropicUsage).
  ...(thinking > 0 ? { output_tokens_details: { thinking_tokens: thinking } } : {}),
});

/** The SSE data payloads of a gateway stream (without [DONE]). */
export async function ssePayloads(res: Response): Promise<any[]> {
  const text = await res.text();
  return text.split('\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)));
}
/** The usage of a chat stream: its usage-only chunk. */
export const chatStreamUsage = (p: any[]) => p.filter((c) => c.usage).at(-1)?.usage;
/** The usage of a Responses stream: response.completed's. */
export const responsesStreamUsage = (p: any[]) => p.find((e) => e.type === 'response.completed')?.response.usage;
/** The usage an Anthropic SDK ends with: message_start's, updated by message_delta's. */
export const messagesStreamUsage = (p: any[]) => ({ ...p.find((e) => e.type === 'message_start')?.message.usage, ...p.find((e) => e.type === 'message_delta')?.usage });

export interface Case {
  name: string;
  reply: Reply;
  path: '/v1/chat/completions' | '/v1/responses' | '/v1/messages' | '/v1/embeddings';
  body: Record<string, unknown>;
  row: Partial<LogRow>;
  /** The usage the client got, read from its answer. */
  usage: (res: Response) => Promise<unknown>;
  clientUsage: unknown;
}

export const chat = (model: string, stream = false) => ({
  model, messages: [{ role: 'user', content: 'Clause?' }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
});
export const messages = (model: string, stream = false) => ({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Clause?' }], ...(stream ? { stream: true } : {}) });
export const responses = (model: string, stream = false) => ({ model, input: 'Clause?', ...(stream ? { stream: true } : {}) });
export const jsonUsage = async (res: Response) => ((await res.json()) as any).usage;

/** One test a case: the client's usage in its API's convention, the row's token columns and cost. */
export function describeBillingCases(cases: Case[], fake: FakeUpstream, gw: () => TestGateway): void {
  describe('cache, cache-write and reasoning billing on every path', () => {
    for (const c of cases) {
      test(c.name, async () => {
        fake.handler = c.reply;
        const res = await gw().fetch(c.path, { method: 'POST', body: JSON.stringify(c.body) });
        expect(res.status).toBe(200);
        // Provider extras (prompt_cache_hit_tokens, audio_tokens...) may ride along; the convention fields must be these.
        expect(await c.usage(res)).toMatchObject(c.clientUsage as object);
        const row = await gw().waitForRow(res);
        const { costUsd, ...tokens } = c.row;
        expect(row).toMatchObject({ ...tokens, estimated: false });
        expect(row.costUsd).toBeCloseTo(costUsd!, 12);
      });
    }
  });
}
