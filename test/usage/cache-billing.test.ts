/**
 * Cache and reasoning billing, end to end: every provider's real usage shape (cache hits, cache
 * writes with both TTLs, reasoning tokens) is answered by a fake upstream, the request goes through
 * the real gateway on each path (chat JSON and stream, /v1/responses passthrough and bridged,
 * /v1/messages native and translated, embeddings), and the log row's token columns and cost are
 * checked against the arithmetic written out beside each case, from the providers' documented
 * prices (asserted first, so a price change fails loudly instead of hiding in the sums). The usage
 * the client receives is checked in the client API's own convention:
 *   OpenAI chat:     prompt_tokens includes cached (prompt_tokens_details.cached_tokens) and cache
 *                    writes; completion_tokens includes reasoning; total = prompt + completion.
 *   OpenAI Responses: the same with input_tokens / output_tokens and *_details.
 *   Anthropic:       input_tokens EXCLUDES cache_read_input_tokens and cache_creation_input_tokens.
 */
import { describe, expect, test } from 'bun:test';
import type { LogRow } from '../../src/logging/log-row';
import { jsonResponse, sseEventsResponse, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { chunks, fixture } from './load-fixture';

const fake = startFakeUpstream();
let gw: TestGateway;
useGateway(
  (g) => {
    gw = g;
  },
  {
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      ...providerEnv('deepseek', `${fake.url}/v1`),
      ...providerEnv('moonshot', `${fake.url}/v1`),
      ...providerEnv('grok', `${fake.url}/v1`),
      ...providerEnv('gemini', fake.url),
      ...providerEnv('anthropic', fake.url),
    },
  },
);

const M = 1e6;

/** Documented list prices, USD per 1M tokens (genai-prices, seeded into the models table). */
const PRICES = {
  // OpenAI: cached input at the cache-read price; reasoning is output.
  // Flex bills half of every price (Batch API rates); priority the model's premium (see below).
  o3: { input: 2, cachedInput: 0.5, output: 8, flexMultiplier: 0.5, priorityMultiplier: 1.75 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4, flexMultiplier: 0.5, priorityMultiplier: 20 / 11 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6, flexMultiplier: 0.5, priorityMultiplier: 5 / 3 },
  // No priority price published: a priority answer bills the standard prices.
  'gpt-5.4-nano': { input: 0.2, cachedInput: 0.02, output: 1.25, flexMultiplier: 0.5, priorityMultiplier: null },
  // Audio tokens (parts of prompt and completion) at their own rates.
  'gpt-audio': { input: 2.5, output: 10, audioInput: 32, audioOutput: 64 },
  'text-embedding-3-small': { input: 0.02 },
  // DeepSeek (the standard-hours rate, seeded as the one that applies most of the day).
  'deepseek-chat': { input: 0.27, cachedInput: 0.07, output: 1.1 },
  'deepseek-reasoner': { input: 0.55, cachedInput: 0.14, output: 2.19 },
  'kimi-k2.6': { input: 0.95, cachedInput: 0.16, output: 4 },
  'grok-3-mini': { input: 0.3, cachedInput: 0.075, output: 0.5 },
  // Audio input at Google's audio rate (1 $/M against 0.3 for text).
  'gemini-2.5-flash': { input: 0.3, cachedInput: 0.03, output: 2.5, audioInput: 1 },
  'gemini-2.0-flash': { input: 0.1, cachedInput: 0.025, output: 0.4, audioInput: 0.7 },
  // Anthropic: cache read 0.1x input, 5-minute write 1.25x, 1-hour write 2x (6 $/M, not stored
  // as a column: derived from the input price).
  'claude-sonnet-4-5': { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, webSearch: 0.01 },
} as const;

test('the seeded prices are the documented ones the sums below use', () => {
  const models = gw.ctx.state.getSnapshot().models;
  for (const [id, p] of Object.entries(PRICES)) expect({ id, ...models.get(id)!.prices }).toMatchObject({ id, ...p });
});

/** OpenAI's priority prices (openai.com/api-priority-processing): input, cached input, output per 1M. */
const PRIORITY_LISTED: Record<string, [number, number, number]> = {
  'gpt-4o': [4.25, 2.125, 17], 'gpt-4o-mini': [0.25, 0.125, 1], 'gpt-4.1': [3.5, 0.875, 14], 'gpt-4.1-mini': [0.7, 0.175, 2.8],
  'gpt-5': [2.5, 0.25, 20], 'gpt-5-mini': [0.45, 0.045, 3.6], 'gpt-5.4-mini': [1.5, 0.15, 9], o3: [3.5, 0.875, 14], 'o4-mini': [2, 0.5, 8],
};

test('each seeded priority multiplier turns the standard prices into OpenAI\'s listed priority prices', () => {
  const models = gw.ctx.state.getSnapshot().models;
  for (const [id, listed] of Object.entries(PRIORITY_LISTED)) {
    const p = models.get(id)!.prices;
    const got = [p.input, p.cachedInput!, p.output].map((x) => x * p.priorityMultiplier!);
    for (let i = 0; i < 3; i++) expect({ id, i, price: got[i] }).toEqual({ id, i, price: expect.closeTo(listed[i]!, 12) });
  }
});

// ---- upstream replies -------------------------------------------------------------------------

type Reply = () => Response;
const json = (body: unknown): Reply => () => jsonResponse(body);
const chatChunks = (payloads: unknown[]): Reply => () => sseResponse(payloads.map((p) => JSON.stringify(p)));
const anthropicEvents = (events: any[]): Reply => () => sseEventsResponse(events.map((e) => ({ event: e.type, data: JSON.stringify(e) })));

/** An Anthropic message whose prompt read 500 cached tokens and wrote 1000 (5 min) + 2000 (1 h). */
const anthropicUsage = {
  input_tokens: 12,
  cache_creation_input_tokens: 3000,
  cache_read_input_tokens: 500,
  cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
  output_tokens: 40,
  service_tier: 'standard',
};
const anthropicMessage = {
  id: 'msg_01CacheBoth0000000000000A', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Thirty days.' }], stop_reason: 'end_turn', stop_sequence: null, usage: anthropicUsage,
};
const anthropicStream = anthropicEvents([
  { type: 'message_start', message: { ...anthropicMessage, content: [], stop_reason: null, usage: { ...anthropicUsage, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Thirty days.' } },
  { type: 'content_block_stop', index: 0 },
  // Newer API versions repeat the prompt counts here (cumulative), without cache_creation.
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 12, cache_creation_input_tokens: 3000, cache_read_input_tokens: 500, output_tokens: 40 } },
  { type: 'message_stop' },
]);
/** Anthropic row: 12 + 500 + 3000 prompt tokens, 40 out: 12*3 + 500*0.3 + 1000*3.75 + 2000*6 + 40*15. */
const anthropicCost = (12 * 3 + 500 * 0.3 + 1000 * 3.75 + 2000 * 6 + 40 * 15) / M;
const anthropicRow = { promptTokens: 3512, cachedTokens: 500, cacheWriteTokens: 3000, completionTokens: 40, reasoningTokens: 0, costUsd: anthropicCost };

/** The same message after two web searches (a server tool): $10 per 1,000 searches on top of the tokens. */
const searchUsage = { ...anthropicUsage, server_tool_use: { web_search_requests: 2 } };
const searchMessage = { ...anthropicMessage, usage: searchUsage };
const searchStream = anthropicEvents([
  { type: 'message_start', message: { ...anthropicMessage, content: [], stop_reason: null, usage: { ...anthropicUsage, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Thirty days.' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 40, server_tool_use: { web_search_requests: 2 } } },
  { type: 'message_stop' },
]);
const searchRow = { ...anthropicRow, costUsd: anthropicCost + 2 * 0.01 };

const geminiThinking = fixture('gemini-2.5-flash-thinking.json');
/** Gemini: prompt 1045 of which 1024 cached; candidates 8 EXCLUDE thoughts 468: output 476. */
const geminiRow = { promptTokens: 1045, cachedTokens: 1024, cacheWriteTokens: 0, completionTokens: 476, reasoningTokens: 468, costUsd: (21 * 0.3 + 1024 * 0.03 + 476 * 2.5) / M };

const geminiAudio = fixture('gemini-2.5-flash-audio.json');
/**
 * Gemini with audio input: prompt 1928 (8 text + 1920 audio) of which 1024 cached (all audio);
 * 12 candidates + 228 thoughts out. Uncached: 8 text at 0.3 and 896 audio at 1; the cached 1024
 * audio at Google's cached audio price for 2.5 Flash, 0.1 (cached text is 0.03).
 */
const geminiAudioRow = { promptTokens: 1928, cachedTokens: 1024, cacheWriteTokens: 0, completionTokens: 240, reasoningTokens: 228, costUsd: (8 * 0.3 + 896 * 1 + 1024 * 0.1 + 240 * 2.5) / M };

/**
 * gemini-2.0-flash, a cache hit of text and audio: prompt 2400 (400 text + 2000 audio) of which
 * 1600 cached (100 text + 1500 audio); 30 out. Uncached: 300 text at 0.1 and 500 audio at 0.7;
 * cached: 100 text at 0.025 and 1500 audio at Google's cached audio price for 2.0 Flash, 0.175.
 */
const gemini20MixedCache = {
  ...geminiAudio, modelVersion: 'gemini-2.0-flash',
  usageMetadata: {
    promptTokenCount: 2400, candidatesTokenCount: 30, totalTokenCount: 2430, cachedContentTokenCount: 1600,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 400 }, { modality: 'AUDIO', tokenCount: 2000 }],
    cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 100 }, { modality: 'AUDIO', tokenCount: 1500 }],
    candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 30 }],
  },
};
const gemini20MixedRow = { promptTokens: 2400, cachedTokens: 1600, cacheWriteTokens: 0, completionTokens: 30, reasoningTokens: 0, costUsd: (300 * 0.1 + 500 * 0.7 + 100 * 0.025 + 1500 * 0.175 + 30 * 0.4) / M };

const o3 = fixture('openai-o3-cached-reasoning.json');
/** o3: 2006 prompt of which 1920 cached; 300 completion of which 192 reasoning (billed as output). */
const o3Row = { promptTokens: 2006, cachedTokens: 1920, cacheWriteTokens: 0, completionTokens: 300, reasoningTokens: 192, costUsd: (86 * 2 + 1920 * 0.5 + 300 * 8) / M };

/** gpt-audio: 1234 prompt tokens of which 1000 audio, 532 completion tokens of which 400 audio. */
const audioUsage = {
  prompt_tokens: 1234, completion_tokens: 532, total_tokens: 1766,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 400 },
};
/** 234*2.5 + 1000*32 (audio in) + 132*10 + 400*64 (audio out); at the text rates it would be 1234*2.5 + 532*10. */
const audioRow = { promptTokens: 1234, cachedTokens: 0, completionTokens: 532, reasoningTokens: 0, costUsd: (234 * 2.5 + 1000 * 32 + 132 * 10 + 400 * 64) / M };

// ---- client-side usage in each API's convention ----------------------------------------------

/** `audio`: prompt_tokens_details.audio_tokens, every audio token of the prompt as OpenAI counts them (cached ones too). */
const chatUsage = (prompt: number, cached: number, completion: number, reasoning: number, audio?: number) => ({
  prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: cached, ...(audio === undefined ? {} : { audio_tokens: audio }) }, completion_tokens_details: { reasoning_tokens: reasoning },
});
const responsesUsage = (input: number, cached: number, output: number, reasoning: number) => ({
  input_tokens: input, input_tokens_details: { cached_tokens: cached },
  output_tokens: output, output_tokens_details: { reasoning_tokens: reasoning }, total_tokens: input + output,
});
/** A chat or Responses usage with Anthropic's prompt-cache writes told as OpenRouter does: `*_details.cache_write_tokens`. */
const withWrites = (u: any, written: number) =>
  'prompt_tokens_details' in u
    ? { ...u, prompt_tokens_details: { ...u.prompt_tokens_details, cache_write_tokens: written } }
    : { ...u, input_tokens_details: { ...u.input_tokens_details, cache_write_tokens: written } };
const anthropicClientUsage = (input: number, read: number, write: number, output: number) => ({
  input_tokens: input, cache_read_input_tokens: read, cache_creation_input_tokens: write, output_tokens: output,
});

/** The SSE data payloads of a gateway stream (without [DONE]). */
async function ssePayloads(res: Response): Promise<any[]> {
  const text = await res.text();
  return text.split('\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)));
}
/** The usage of a chat stream: its usage-only chunk. */
const chatStreamUsage = (p: any[]) => p.filter((c) => c.usage).at(-1)?.usage;
/** The usage of a Responses stream: response.completed's. */
const responsesStreamUsage = (p: any[]) => p.find((e) => e.type === 'response.completed')?.response.usage;
/** The usage an Anthropic SDK ends with: message_start's, updated by message_delta's. */
const messagesStreamUsage = (p: any[]) => ({ ...p.find((e) => e.type === 'message_start')?.message.usage, ...p.find((e) => e.type === 'message_delta')?.usage });

interface Case {
  name: string;
  reply: Reply;
  path: '/v1/chat/completions' | '/v1/responses' | '/v1/messages' | '/v1/embeddings';
  body: Record<string, unknown>;
  row: Partial<LogRow>;
  /** The usage the client got, read from its answer. */
  usage: (res: Response) => Promise<unknown>;
  clientUsage: unknown;
}

const chat = (model: string, stream = false) => ({
  model, messages: [{ role: 'user', content: 'Clause?' }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
});
const messages = (model: string, stream = false) => ({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Clause?' }], ...(stream ? { stream: true } : {}) });
const responses = (model: string, stream = false) => ({ model, input: 'Clause?', ...(stream ? { stream: true } : {}) });
const jsonUsage = async (res: Response) => ((await res.json()) as any).usage;

const CASES: Case[] = [
  // ---- OpenAI ----
  {
    name: 'openai chat JSON: cached and reasoning inside prompt/completion, billed once each',
    reply: json(o3), path: '/v1/chat/completions', body: chat('o3'),
    row: o3Row, usage: jsonUsage, clientUsage: chatUsage(2006, 1920, 300, 192),
  },
  {
    name: 'openai chat stream: usage chunk with cached tokens',
    reply: chatChunks(chunks('openai-stream-usage.chunks.txt')), path: '/v1/chat/completions', body: chat('gpt-4o-mini', true),
    // 1138 prompt of which 1024 cached, 2 completion: 114*0.15 + 1024*0.075 + 2*0.6.
    row: { promptTokens: 1138, cachedTokens: 1024, completionTokens: 2, reasoningTokens: 0, costUsd: (114 * 0.15 + 1024 * 0.075 + 2 * 0.6) / M },
    usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: chatUsage(1138, 1024, 2, 0),
  },
  {
    name: 'openai /v1/responses passthrough JSON: input_tokens_details / output_tokens_details',
    reply: json(fixture('openai-responses.json')), path: '/v1/responses', body: responses('o4-mini'),
    // 1536 input of which 1280 cached; 212 output of which 192 reasoning: 256*1.1 + 1280*0.275 + 212*4.4.
    row: { promptTokens: 1536, cachedTokens: 1280, completionTokens: 212, reasoningTokens: 192, costUsd: (256 * 1.1 + 1280 * 0.275 + 212 * 4.4) / M },
    usage: jsonUsage, clientUsage: responsesUsage(1536, 1280, 212, 192),
  },
  {
    name: 'openai /v1/responses passthrough stream: usage of response.completed',
    reply: () => sseEventsResponse([
      { event: 'response.created', data: JSON.stringify({ type: 'response.created', response: { ...fixture('openai-responses.json'), status: 'in_progress', output: [], usage: null } }) },
      { event: 'response.completed', data: JSON.stringify({ type: 'response.completed', response: fixture('openai-responses.json') }) },
    ]),
    path: '/v1/responses', body: responses('o4-mini', true),
    row: { promptTokens: 1536, cachedTokens: 1280, completionTokens: 212, reasoningTokens: 192, costUsd: (256 * 1.1 + 1280 * 0.275 + 212 * 4.4) / M },
    usage: async (r) => responsesStreamUsage(await ssePayloads(r)), clientUsage: responsesUsage(1536, 1280, 212, 192),
  },
  // ---- OpenAI processing tiers (service_tier of the answer) and audio tokens ----
  {
    name: 'openai chat JSON served at flex: every token at half price',
    reply: json({ ...o3, service_tier: 'flex' }), path: '/v1/chat/completions', body: { ...chat('o3'), service_tier: 'flex' },
    row: { ...o3Row, costUsd: o3Row.costUsd * 0.5 }, usage: jsonUsage, clientUsage: chatUsage(2006, 1920, 300, 192),
  },
  {
    name: 'openai chat stream served at priority (the usage chunk names the tier): every token at the priority premium',
    reply: chatChunks(chunks('openai-stream-usage.chunks.txt').map((c) => ({ ...c, service_tier: 'priority' }))),
    path: '/v1/chat/completions', body: { ...chat('gpt-4o-mini', true), service_tier: 'priority' },
    // 114*0.25 + 1024*0.125 + 2*1 (OpenAI's priority prices for gpt-4o-mini).
    row: { promptTokens: 1138, cachedTokens: 1024, completionTokens: 2, costUsd: (114 * 0.25 + 1024 * 0.125 + 2 * 1) / M },
    usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: chatUsage(1138, 1024, 2, 0),
  },
  {
    name: 'openai chat JSON asked for priority but served at default: the standard prices',
    reply: json({ ...o3, service_tier: 'default' }), path: '/v1/chat/completions', body: { ...chat('o3'), service_tier: 'priority' },
    row: o3Row, usage: jsonUsage, clientUsage: chatUsage(2006, 1920, 300, 192),
  },
  {
    name: 'openai chat JSON served at scale (prepaid units): the standard prices',
    reply: json({ ...o3, service_tier: 'scale' }), path: '/v1/chat/completions', body: chat('o3'),
    row: o3Row, usage: jsonUsage, clientUsage: chatUsage(2006, 1920, 300, 192),
  },
  {
    name: 'openai chat JSON at priority on a model without a published priority price: the standard prices',
    reply: json({ ...o3, model: 'gpt-5.4-nano', service_tier: 'priority' }), path: '/v1/chat/completions', body: chat('gpt-5.4-nano'),
    row: { ...o3Row, costUsd: (86 * 0.2 + 1920 * 0.02 + 300 * 1.25) / M }, usage: jsonUsage, clientUsage: chatUsage(2006, 1920, 300, 192),
  },
  {
    name: 'openai /v1/responses passthrough JSON served at flex',
    reply: json({ ...fixture('openai-responses.json'), service_tier: 'flex' }), path: '/v1/responses', body: { ...responses('o4-mini'), service_tier: 'flex' },
    row: { promptTokens: 1536, cachedTokens: 1280, completionTokens: 212, reasoningTokens: 192, costUsd: ((256 * 1.1 + 1280 * 0.275 + 212 * 4.4) * 0.5) / M },
    usage: jsonUsage, clientUsage: responsesUsage(1536, 1280, 212, 192),
  },
  {
    name: 'openai /v1/responses passthrough stream served at priority: response.completed names the tier',
    reply: () => sseEventsResponse([
      { event: 'response.created', data: JSON.stringify({ type: 'response.created', response: { ...fixture('openai-responses.json'), status: 'in_progress', output: [], usage: null, service_tier: 'auto' } }) },
      { event: 'response.completed', data: JSON.stringify({ type: 'response.completed', response: { ...fixture('openai-responses.json'), service_tier: 'priority' } }) },
    ]),
    path: '/v1/responses', body: { ...responses('o4-mini', true), service_tier: 'priority' },
    // OpenAI's o4-mini priority prices: 256*2 + 1280*0.5 + 212*8.
    row: { promptTokens: 1536, cachedTokens: 1280, completionTokens: 212, reasoningTokens: 192, costUsd: (256 * 2 + 1280 * 0.5 + 212 * 8) / M },
    usage: async (r) => responsesStreamUsage(await ssePayloads(r)), clientUsage: responsesUsage(1536, 1280, 212, 192),
  },
  {
    name: 'openai through /v1/messages (translated) stream served at flex',
    reply: chatChunks(chunks('openai-stream-usage.chunks.txt').map((c) => ({ ...c, service_tier: 'flex' }))), path: '/v1/messages', body: messages('gpt-4o-mini', true),
    row: { promptTokens: 1138, cachedTokens: 1024, completionTokens: 2, costUsd: ((114 * 0.15 + 1024 * 0.075 + 2 * 0.6) * 0.5) / M },
    usage: async (r) => {
      const u = messagesStreamUsage(await ssePayloads(r));
      return { input_tokens: u.input_tokens, cache_read_input_tokens: u.cache_read_input_tokens, cache_creation_input_tokens: u.cache_creation_input_tokens, output_tokens: u.output_tokens };
    },
    clientUsage: anthropicClientUsage(114, 1024, 0, 2),
  },
  {
    name: 'gpt-audio chat JSON: audio tokens inside prompt and completion, at the audio rates',
    reply: json({ ...fixture('openai-chat.json'), model: 'gpt-audio-2025-08-28', usage: audioUsage }), path: '/v1/chat/completions', body: chat('gpt-audio'),
    row: audioRow, usage: jsonUsage, clientUsage: { ...chatUsage(1234, 0, 532, 0), prompt_tokens_details: { cached_tokens: 0, audio_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 400 } },
  },
  {
    name: 'gpt-audio chat stream: the usage chunk\'s audio tokens at the audio rates',
    reply: chatChunks([
      { id: 'a1', object: 'chat.completion.chunk', created: 1, model: 'gpt-audio-2025-08-28', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] },
      { id: 'a1', object: 'chat.completion.chunk', created: 1, model: 'gpt-audio-2025-08-28', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { id: 'a1', object: 'chat.completion.chunk', created: 1, model: 'gpt-audio-2025-08-28', choices: [], usage: audioUsage },
    ]),
    path: '/v1/chat/completions', body: chat('gpt-audio', true),
    row: audioRow, usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: chatUsage(1234, 0, 532, 0),
  },
  // ---- DeepSeek ----
  {
    name: 'deepseek chat JSON: prompt_cache_hit_tokens at the cache price, miss at the input price',
    reply: json(fixture('deepseek-chat-cache-hit.json')), path: '/v1/chat/completions', body: chat('deepseek-chat'),
    // 1516 = 1472 hit + 44 miss: 44*0.27 + 1472*0.07 + 23*1.1.
    row: { promptTokens: 1516, cachedTokens: 1472, completionTokens: 23, reasoningTokens: 0, costUsd: (44 * 0.27 + 1472 * 0.07 + 23 * 1.1) / M },
    usage: jsonUsage, clientUsage: { ...chatUsage(1516, 1472, 23, 0), prompt_cache_hit_tokens: 1472, prompt_cache_miss_tokens: 44 },
  },
  {
    name: 'deepseek chat JSON: hit tokens only as prompt_cache_hit_tokens (no prompt_tokens_details)',
    reply: json({ ...fixture('deepseek-chat-cache-hit.json'), usage: { prompt_tokens: 1516, completion_tokens: 23, total_tokens: 1539, prompt_cache_hit_tokens: 1472, prompt_cache_miss_tokens: 44 } }),
    path: '/v1/chat/completions', body: chat('deepseek-chat'),
    row: { promptTokens: 1516, cachedTokens: 1472, completionTokens: 23, costUsd: (44 * 0.27 + 1472 * 0.07 + 23 * 1.1) / M },
    usage: jsonUsage, clientUsage: chatUsage(1516, 1472, 23, 0),
  },
  {
    name: 'deepseek-reasoner stream: reasoning_tokens inside completion_tokens, not added again',
    reply: chatChunks(chunks('deepseek-reasoner-stream.chunks.txt')), path: '/v1/chat/completions', body: chat('deepseek-reasoner', true),
    // 13 prompt (miss), 422 completion of which 361 reasoning: 13*0.55 + 422*2.19.
    row: { promptTokens: 13, cachedTokens: 0, completionTokens: 422, reasoningTokens: 361, costUsd: (13 * 0.55 + 422 * 2.19) / M },
    usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: chatUsage(13, 0, 422, 361),
  },
  // ---- Moonshot ----
  {
    name: 'moonshot chat JSON: top-level cached_tokens',
    reply: json({ ...fixture('moonshot-cached.json'), model: 'kimi-k2.6' }), path: '/v1/chat/completions', body: chat('kimi-k2.6'),
    // 2156 prompt of which 2048 cached, 14 out: 108*0.95 + 2048*0.16 + 14*4.
    row: { promptTokens: 2156, cachedTokens: 2048, completionTokens: 14, costUsd: (108 * 0.95 + 2048 * 0.16 + 14 * 4) / M },
    usage: jsonUsage, clientUsage: chatUsage(2156, 2048, 14, 0),
  },
  {
    name: 'moonshot stream: usage inside choices[0] of the last chunk, cached_tokens top-level',
    reply: chatChunks(chunks('moonshot-stream-choice-usage.chunks.txt')), path: '/v1/chat/completions', body: chat('kimi-k2.6', true),
    // 19 prompt of which 8 cached, 13 out: 11*0.95 + 8*0.16 + 13*4.
    row: { promptTokens: 19, cachedTokens: 8, completionTokens: 13, costUsd: (11 * 0.95 + 8 * 0.16 + 13 * 4) / M },
    usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: chatUsage(19, 8, 13, 0),
  },
  {
    name: 'moonshot kimi JSON: prompt_tokens_details / completion_tokens_details',
    reply: json(fixture('moonshot-kimi-k2-details.json')), path: '/v1/chat/completions', body: chat('kimi-k2.6'),
    // 812 prompt of which 768 cached; 57 completion of which 41 reasoning: 44*0.95 + 768*0.16 + 57*4.
    row: { promptTokens: 812, cachedTokens: 768, completionTokens: 57, reasoningTokens: 41, costUsd: (44 * 0.95 + 768 * 0.16 + 57 * 4) / M },
    usage: jsonUsage, clientUsage: chatUsage(812, 768, 57, 41),
  },
  // ---- xAI Grok ----
  {
    name: 'grok-3-mini JSON: completion_tokens EXCLUDES reasoning (total = prompt + completion + reasoning)',
    reply: json(fixture('grok-3-mini-reasoning.json')), path: '/v1/chat/completions', body: chat('grok-3-mini'),
    // 32 prompt of which 6 cached; 9 visible + 94 reasoning = 103 out: 26*0.3 + 6*0.075 + 103*0.5.
    row: { promptTokens: 32, cachedTokens: 6, completionTokens: 103, reasoningTokens: 94, costUsd: (26 * 0.3 + 6 * 0.075 + 103 * 0.5) / M },
    usage: async (r) => {
      const u = await jsonUsage(r);
      return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens, prompt_tokens_details: { cached_tokens: u.prompt_tokens_details.cached_tokens }, completion_tokens_details: { reasoning_tokens: u.completion_tokens_details.reasoning_tokens } };
    },
    clientUsage: chatUsage(32, 6, 103, 94),
  },
  {
    name: 'grok JSON, newer shape: completion_tokens INCLUDES reasoning (total = prompt + completion), not added twice',
    reply: json({ ...fixture('grok-3-mini-reasoning.json'), usage: { prompt_tokens: 686, completion_tokens: 123, total_tokens: 809, prompt_tokens_details: { cached_tokens: 679, text_tokens: 686 }, completion_tokens_details: { text_tokens: 11, reasoning_tokens: 112 } } }),
    path: '/v1/chat/completions', body: chat('grok-3-mini'),
    // 686 prompt of which 679 cached; 123 out of which 112 reasoning: 7*0.3 + 679*0.075 + 123*0.5.
    row: { promptTokens: 686, cachedTokens: 679, completionTokens: 123, reasoningTokens: 112, costUsd: (7 * 0.3 + 679 * 0.075 + 123 * 0.5) / M },
    usage: async (r) => {
      const u = await jsonUsage(r);
      return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens, prompt_tokens_details: { cached_tokens: u.prompt_tokens_details.cached_tokens }, completion_tokens_details: { reasoning_tokens: u.completion_tokens_details.reasoning_tokens } };
    },
    clientUsage: chatUsage(686, 679, 123, 112),
  },
  {
    name: 'grok stream: the last chunk\'s usage, reasoning added to completion',
    reply: chatChunks([
      { id: 'g1', object: 'chat.completion.chunk', created: 1, model: 'grok-3-mini', choices: [{ index: 0, delta: { role: 'assistant', content: '303' }, finish_reason: null }] },
      { id: 'g1', object: 'chat.completion.chunk', created: 1, model: 'grok-3-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { id: 'g1', object: 'chat.completion.chunk', created: 1, model: 'grok-3-mini', choices: [], usage: fixture('grok-3-mini-reasoning.json').usage },
    ]),
    path: '/v1/chat/completions', body: chat('grok-3-mini', true),
    row: { promptTokens: 32, cachedTokens: 6, completionTokens: 103, reasoningTokens: 94, costUsd: (26 * 0.3 + 6 * 0.075 + 103 * 0.5) / M },
    usage: async (r) => {
      const u = chatStreamUsage(await ssePayloads(r));
      return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens, prompt_tokens_details: { cached_tokens: u.prompt_tokens_details.cached_tokens }, completion_tokens_details: { reasoning_tokens: u.completion_tokens_details.reasoning_tokens } };
    },
    clientUsage: chatUsage(32, 6, 103, 94),
  },
  // ---- Gemini ----
  {
    name: 'gemini JSON: cachedContentTokenCount inside promptTokenCount, thoughtsTokenCount outside candidates',
    reply: json(geminiThinking), path: '/v1/chat/completions', body: chat('gemini-2.5-flash'),
    row: geminiRow, usage: jsonUsage, clientUsage: chatUsage(1045, 1024, 476, 468),
  },
  {
    name: 'gemini stream: usageMetadata is a running total, only the last counts',
    reply: () => sseResponse([
      JSON.stringify({ candidates: [{ content: { parts: [{ text: 'The capital' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 1045, candidatesTokenCount: 2, totalTokenCount: 1515, cachedContentTokenCount: 1024, thoughtsTokenCount: 468 }, modelVersion: 'gemini-2.5-flash' }),
      JSON.stringify({ candidates: [{ content: { parts: [{ text: ' of France is Paris.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiThinking.usageMetadata, modelVersion: 'gemini-2.5-flash' }),
    ]),
    path: '/v1/chat/completions', body: chat('gemini-2.5-flash', true),
    row: geminiRow, usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: chatUsage(1045, 1024, 476, 468),
  },
  {
    name: 'gemini JSON with audio input: uncached audio tokens (promptTokensDetails AUDIO less cacheTokensDetails AUDIO) at the audio rate',
    reply: json(geminiAudio), path: '/v1/chat/completions', body: chat('gemini-2.5-flash'),
    row: geminiAudioRow, usage: jsonUsage, clientUsage: chatUsage(1928, 1024, 240, 228, 1920),
  },
  {
    name: 'gemini stream with audio input: the last usageMetadata\'s audio tokens at the audio rate',
    reply: () => sseResponse([
      JSON.stringify({ candidates: [{ content: { parts: [{ text: 'The speaker asks' }], role: 'model' }, index: 0 }], usageMetadata: { ...geminiAudio.usageMetadata, candidatesTokenCount: 3 }, modelVersion: 'gemini-2.5-flash' }),
      JSON.stringify({ candidates: [{ content: { parts: [{ text: ' for the opening hours of the museum.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiAudio.usageMetadata, modelVersion: 'gemini-2.5-flash' }),
    ]),
    path: '/v1/chat/completions', body: chat('gemini-2.5-flash', true),
    row: geminiAudioRow, usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: chatUsage(1928, 1024, 240, 228, 1920),
  },
  {
    name: 'gemini-2.0-flash JSON, a cache hit of text and audio: cached audio at the cached audio price, cached text at the cached price',
    reply: json(gemini20MixedCache), path: '/v1/chat/completions', body: chat('gemini-2.0-flash'),
    row: gemini20MixedRow, usage: jsonUsage, clientUsage: chatUsage(2400, 1600, 30, 0, 2000),
  },
  {
    name: 'gemini through /v1/responses (bridged): reasoning in output_tokens_details',
    reply: json(geminiThinking), path: '/v1/responses', body: responses('gemini-2.5-flash'),
    row: geminiRow, usage: jsonUsage, clientUsage: responsesUsage(1045, 1024, 476, 468),
  },
  {
    name: 'gemini through /v1/messages (translated): input_tokens without the cached part, thoughts in output',
    reply: json(geminiThinking), path: '/v1/messages', body: messages('gemini-2.5-flash'),
    row: geminiRow, usage: jsonUsage, clientUsage: anthropicClientUsage(21, 1024, 0, 476),
  },
  // ---- Anthropic ----
  {
    name: 'anthropic chat JSON: prompt = input + read + write; 1-hour writes at the 1-hour rate',
    reply: json(anthropicMessage), path: '/v1/chat/completions', body: chat('claude-sonnet-4-5'),
    row: anthropicRow, usage: jsonUsage, clientUsage: withWrites(chatUsage(3512, 500, 40, 0), 3000),
  },
  {
    name: 'anthropic chat stream: message_start and message_delta merged, nothing counted twice',
    reply: anthropicStream, path: '/v1/chat/completions', body: chat('claude-sonnet-4-5', true),
    row: anthropicRow, usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: withWrites(chatUsage(3512, 500, 40, 0), 3000),
  },
  {
    name: 'anthropic /v1/messages native JSON: the client gets Anthropic\'s own usage',
    reply: json(anthropicMessage), path: '/v1/messages', body: messages('claude-sonnet-4-5'),
    row: anthropicRow, usage: jsonUsage, clientUsage: anthropicUsage,
  },
  {
    name: 'anthropic /v1/messages native stream',
    reply: anthropicStream, path: '/v1/messages', body: messages('claude-sonnet-4-5', true),
    row: anthropicRow, usage: async (r) => messagesStreamUsage(await ssePayloads(r)),
    clientUsage: { ...anthropicUsage },
  },
  {
    name: 'anthropic /v1/messages native JSON with two web searches: $0.01 each on top of the tokens',
    reply: json(searchMessage), path: '/v1/messages', body: messages('claude-sonnet-4-5'),
    row: searchRow, usage: jsonUsage, clientUsage: searchUsage,
  },
  {
    name: 'anthropic chat stream with two web searches (counted in message_delta)',
    reply: searchStream, path: '/v1/chat/completions', body: chat('claude-sonnet-4-5', true),
    row: searchRow, usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: withWrites(chatUsage(3512, 500, 40, 0), 3000),
  },
  {
    name: 'anthropic through /v1/responses (bridged): input_tokens include cache reads and writes',
    reply: json(anthropicMessage), path: '/v1/responses', body: responses('claude-sonnet-4-5'),
    row: anthropicRow, usage: jsonUsage, clientUsage: withWrites(responsesUsage(3512, 500, 40, 0), 3000),
  },
  {
    name: 'anthropic through /v1/responses (bridged) stream',
    reply: anthropicStream, path: '/v1/responses', body: responses('claude-sonnet-4-5', true),
    row: anthropicRow, usage: async (r) => responsesStreamUsage(await ssePayloads(r)), clientUsage: withWrites(responsesUsage(3512, 500, 40, 0), 3000),
  },
  // ---- OpenAI-convention upstreams through /v1/messages (translated) ----
  {
    name: 'openai through /v1/messages JSON: input_tokens = prompt - cached, cache_read = cached',
    reply: json(o3), path: '/v1/messages', body: messages('o3'),
    row: o3Row, usage: jsonUsage, clientUsage: anthropicClientUsage(86, 1920, 0, 300),
  },
  {
    name: 'openai through /v1/messages stream',
    reply: chatChunks(chunks('openai-stream-usage.chunks.txt')), path: '/v1/messages', body: messages('gpt-4o-mini', true),
    row: { promptTokens: 1138, cachedTokens: 1024, completionTokens: 2, costUsd: (114 * 0.15 + 1024 * 0.075 + 2 * 0.6) / M },
    usage: async (r) => {
      const u = messagesStreamUsage(await ssePayloads(r));
      return { input_tokens: u.input_tokens, cache_read_input_tokens: u.cache_read_input_tokens, cache_creation_input_tokens: u.cache_creation_input_tokens, output_tokens: u.output_tokens };
    },
    clientUsage: anthropicClientUsage(114, 1024, 0, 2),
  },
  {
    name: 'deepseek through /v1/messages JSON: prompt_cache_hit_tokens become cache_read_input_tokens',
    reply: json(fixture('deepseek-chat-cache-hit.json')), path: '/v1/messages', body: messages('deepseek-chat'),
    row: { promptTokens: 1516, cachedTokens: 1472, completionTokens: 23, costUsd: (44 * 0.27 + 1472 * 0.07 + 23 * 1.1) / M },
    usage: jsonUsage, clientUsage: anthropicClientUsage(44, 1472, 0, 23),
  },
  {
    // Passed through to xAI's own Responses API, whose usage counts reasoning inside output_tokens (its chat usage does not).
    name: "grok through /v1/responses (xAI's own): reasoning inside output_tokens, as xAI counts it there",
    reply: json({
      ...fixture('openai-responses.json'), id: '3a0f9b52-7e0c-4a55-b1b2-0c7c3f1a9d11', model: 'grok-3-mini',
      usage: { input_tokens: 32, input_tokens_details: { cached_tokens: 6 }, output_tokens: 103, output_tokens_details: { reasoning_tokens: 94 }, total_tokens: 135, num_sources_used: 0, num_server_side_tools_used: 0 },
    }),
    path: '/v1/responses', body: responses('grok-3-mini'),
    row: { promptTokens: 32, cachedTokens: 6, completionTokens: 103, reasoningTokens: 94, costUsd: (26 * 0.3 + 6 * 0.075 + 103 * 0.5) / M },
    usage: jsonUsage, clientUsage: responsesUsage(32, 6, 103, 94),
  },
  // ---- embeddings ----
  {
    name: 'openai embeddings: prompt tokens at the input price, nothing else',
    reply: json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'text-embedding-3-small', usage: { prompt_tokens: 8, total_tokens: 8 } }),
    path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'The food was delicious' },
    // 8 * 0.02.
    row: { promptTokens: 8, cachedTokens: 0, completionTokens: 0, reasoningTokens: 0, costUsd: (8 * 0.02) / M },
    usage: jsonUsage, clientUsage: { prompt_tokens: 8, total_tokens: 8 },
  },
];

describe('cache, cache-write and reasoning billing on every path', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      fake.handler = c.reply;
      const res = await gw.fetch(c.path, { method: 'POST', body: JSON.stringify(c.body) });
      expect(res.status).toBe(200);
      // Provider extras (prompt_cache_hit_tokens, audio_tokens...) may ride along; the convention fields must be these.
      expect(await c.usage(res)).toMatchObject(c.clientUsage as object);
      const row = await gw.waitForRow(res);
      const { costUsd, ...tokens } = c.row;
      expect(row).toMatchObject({ ...tokens, estimated: false });
      expect(row.costUsd).toBeCloseTo(costUsd!, 12);
    });
  }
});

/** Anthropic events, then the connection cut (before message_delta's final output count). */
const cutAnthropicStream = (events: any[]): Reply => () => {
  const enc = new TextEncoder();
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(c) {
        const e = events[i++];
        if (!e) return c.error(new Error('fake upstream cut the stream'));
        c.enqueue(enc.encode(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
        await Bun.sleep(1);
      },
    }),
    { headers: { 'content-type': 'text/event-stream' } },
  );
};

describe('an Anthropic stream cut before its final usage', () => {
  // message_start carries the prompt's exact counts (cache read and write) and output_tokens: 1,
  // a placeholder; the output count comes only in message_delta, which never arrives here.
  const delivered = 'word '.repeat(300);
  const events = [
    { type: 'message_start', message: { ...anthropicMessage, content: [], stop_reason: null, usage: { ...anthropicUsage, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: delivered } },
  ];
  for (const [path, body] of [['/v1/chat/completions', chat('claude-sonnet-4-5', true)], ['/v1/messages', messages('claude-sonnet-4-5', true)]] as const) {
    test(`${path}: the prompt's real counts, the output estimated from what was delivered (not message_start's 1)`, async () => {
      fake.handler = cutAnthropicStream(events);
      const res = await gw.fetch(path, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('word word');
      const row = await gw.waitForRow(res);
      expect(row).toMatchObject({ promptTokens: 3512, cachedTokens: 500, cacheWriteTokens: 3000, reasoningTokens: 0, estimated: true });
      // 300 'word's were delivered: about 300 tokens, never the placeholder 1.
      expect(row.completionTokens).toBeGreaterThanOrEqual(250);
      expect(row.completionTokens).toBeLessThanOrEqual(350);
      // Prompt at its exact rates (12*3 + 500*0.3 + 1000*3.75 + 2000*6), output at 15 $/M.
      expect(row.costUsd).toBeCloseTo((12 * 3 + 500 * 0.3 + 1000 * 3.75 + 2000 * 6 + row.completionTokens * 15) / M, 12);
    });
  }
});

/** Gemini events (`data:` only), then the connection cut before the finishing chunk. */
const cutGeminiStream = (payloads: unknown[]): Reply => () => {
  const enc = new TextEncoder();
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(c) {
        const p = payloads[i++];
        if (!p) return c.error(new Error('fake upstream cut the stream'));
        c.enqueue(enc.encode(`data: ${JSON.stringify(p)}\r\n\r\n`));
        await Bun.sleep(1);
      },
    }),
    { headers: { 'content-type': 'text/event-stream' } },
  );
};

describe('a Gemini stream cut before its finishing chunk', () => {
  // Before the finishing chunk usageMetadata is a running total: the prompt's counts (cache hits
  // included) and the thoughts so far are real, the candidates count is not there yet.
  const delivered = 'word '.repeat(300);
  const running = { promptTokenCount: 1045, cachedContentTokenCount: 1024, thoughtsTokenCount: 468, totalTokenCount: 1513 };
  const payloads = [
    { candidates: [{ content: { parts: [{ text: 'The capital' }], role: 'model' }, index: 0 }], usageMetadata: running, modelVersion: 'gemini-2.5-flash' },
    { candidates: [{ content: { parts: [{ text: delivered }], role: 'model' }, index: 0 }], usageMetadata: running, modelVersion: 'gemini-2.5-flash' },
  ];
  for (const [path, body] of [['/v1/chat/completions', chat('gemini-2.5-flash', true)], ['/v1/messages', messages('gemini-2.5-flash', true)]] as const) {
    test(`${path}: the prompt's real counts, the thoughts plus the delivered text as output (not the running total's thoughts alone)`, async () => {
      fake.handler = cutGeminiStream(payloads);
      const res = await gw.fetch(path, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('word word');
      const row = await gw.waitForRow(res);
      expect(row).toMatchObject({ promptTokens: 1045, cachedTokens: 1024, reasoningTokens: 468, estimated: true });
      // 468 thoughts (billed, not delivered) + about 300 tokens of delivered text.
      expect(row.completionTokens).toBeGreaterThanOrEqual(468 + 250);
      expect(row.completionTokens).toBeLessThanOrEqual(468 + 350);
      // Prompt at its exact rates (21 uncached at 0.3, 1024 cached at 0.03), all output at 2.5 $/M.
      expect(row.costUsd).toBeCloseTo((21 * 0.3 + 1024 * 0.03 + row.completionTokens * 2.5) / M, 12);
    });
  }
});

/**
 * A /v1/messages stream whose upstream holds its last payload until message_start reached the
 * client, so message_start can only say what the upstream's first chunk did. Returns every event.
 */
async function messagesStreamHeldAtEnd(body: unknown, payloads: unknown[]): Promise<{ res: Response; events: any[] }> {
  let release!: () => void;
  const until = new Promise<void>((r) => (release = r));
  fake.handler = () => sseResponse(payloads.map((p) => JSON.stringify(p)), { holdAt: { at: payloads.length - 1, until } });
  const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.includes('event: message_start')) release();
  }
  const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  return { res, events };
}

describe('/v1/messages translated streams: message_start usage', () => {
  // LangChain's ChatAnthropic reads the prompt's usage from message_start only, and Claude Code
  // its context size: Gemini reports the prompt's counts (cache hits included) with its first
  // chunk, so message_start says them exactly, in Anthropic's convention (input without the hits).
  test('gemini: message_start carries the first chunk\'s exact prompt and cache counts, message_delta the final ones', async () => {
    const { res, events } = await messagesStreamHeldAtEnd(messages('gemini-2.5-flash', true), [
      { candidates: [{ content: { parts: [{ text: 'The capital' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 1045, cachedContentTokenCount: 1024, thoughtsTokenCount: 468, totalTokenCount: 1513 }, modelVersion: 'gemini-2.5-flash' },
      { candidates: [{ content: { parts: [{ text: ' of France is Paris.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiThinking.usageMetadata, modelVersion: 'gemini-2.5-flash' },
    ]);
    expect(events.find((e) => e.type === 'message_start').message.usage).toEqual(anthropicClientUsage(21, 1024, 0, 0));
    expect(events.find((e) => e.type === 'message_delta').usage).toEqual(anthropicClientUsage(21, 1024, 0, 476));
    const row = await gw.waitForRow(res);
    const { costUsd, ...tokens } = geminiRow;
    expect(row).toMatchObject({ ...tokens, estimated: false });
    expect(row.costUsd).toBeCloseTo(costUsd, 12);
  });

  test('an upstream that reports usage only at the end (DeepSeek): message_start approximates the prompt, message_delta has the exact cache hits', async () => {
    const { res, events } = await messagesStreamHeldAtEnd(messages('deepseek-chat', true), [
      { id: 'd1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] },
      { id: 'd1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1516, completion_tokens: 23, total_tokens: 1539, prompt_cache_hit_tokens: 1472, prompt_cache_miss_tokens: 44 } },
    ]);
    const start = events.find((e) => e.type === 'message_start').message.usage;
    // 'Clause?' is a few tokens: the approximation, with no cache counts it could know.
    expect(start).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 0 });
    expect(start.input_tokens).toBeGreaterThan(0);
    expect(start.input_tokens).toBeLessThan(20);
    expect(events.find((e) => e.type === 'message_delta').usage).toEqual(anthropicClientUsage(44, 1472, 0, 23));
    const row = await gw.waitForRow(res);
    expect(row).toMatchObject({ promptTokens: 1516, cachedTokens: 1472, completionTokens: 23, estimated: false });
    expect(row.costUsd).toBeCloseTo((44 * 0.27 + 1472 * 0.07 + 23 * 1.1) / M, 12);
  });
});

test('usage without prompt-cache writes tells none (cache_write_tokens only where the provider wrote to its cache)', async () => {
  fake.handler = json(geminiThinking);
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(chat('gemini-2.5-flash')) });
  expect(((await res.json()) as any).usage.prompt_tokens_details).toEqual({ cached_tokens: 1024 });
  fake.handler = json(geminiThinking);
  const r2 = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify(responses('gemini-2.5-flash')) });
  expect(((await r2.json()) as any).usage.input_tokens_details).toEqual({ cached_tokens: 1024 });
});
