/**
 * Cache and reasoning billing of OpenAI, end to end (cache-billing-rig.ts): the seeded prices are
 * the documented ones the sums in the cache-billing-*.test.ts files use (asserted first, so a
 * price change fails loudly instead of hiding in the sums), then OpenAI's usage shapes (cache
 * hits, reasoning, processing tiers, audio tokens, embeddings) through the real gateway on each
 * path, the log row's token columns and cost checked against the arithmetic beside each case, and
 * the usage the client receives in OpenAI's convention: prompt_tokens includes cached
 * (prompt_tokens_details.cached_tokens) and cache writes; completion_tokens includes reasoning;
 * total = prompt + completion; Responses the same with input_tokens / output_tokens and *_details.
 */
import { expect, test } from 'bun:test';
import { sseEventsResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { genaiPriceRow } from '../../src/db/seed/model-prices';
import { chunks, fixture } from './load-fixture';
import {
  anthropicClientUsage, chat, chatChunks, chatStreamUsage, chatUsage, describeBillingCases, json, jsonUsage, M, messages, messagesStreamUsage, o3,
  o3Row, type Case, responses, responsesStreamUsage, responsesUsage, ssePayloads, useBillingGateway,
} from './cache-billing-rig';

let gw: TestGateway;
const fake = useBillingGateway((g) => {
  gw = g;
});

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

/** OpenAI's listed priority prices of models priced only as pass-through ids (`openai/gpt-5.2`), and of a dated snapshot. */
const PRIORITY_LISTED_UNSEEDED: Record<string, [number, number, number]> = {
  'gpt-5.1': [2.5, 0.25, 20], 'gpt-5.2': [3.5, 0.35, 28], 'gpt-5.4': [5, 0.5, 30], 'gpt-5.5': [12.5, 1.25, 75], 'gpt-4.1-nano': [0.2, 0.05, 0.8],
  'gpt-5-2025-08-07': [2.5, 0.25, 20], 'gpt-5.1-codex': [2.5, 0.25, 20],
};

test('a pass-through id\'s priority multiplier (by the model genai-prices prices it as) gives OpenAI\'s listed priority prices', () => {
  for (const [id, listed] of Object.entries(PRIORITY_LISTED_UNSEEDED)) {
    const row = genaiPriceRow('openai', id, Date.now())!;
    const got = [row.inputPrice, row.cachedInputPrice!, row.outputPrice].map((x) => x * row.priorityPriceMultiplier!);
    for (let i = 0; i < 3; i++) expect({ id, i, price: got[i] }).toEqual({ id, i, price: expect.closeTo(listed[i]!, 12) });
  }
});

/** gpt-audio: 1234 prompt tokens of which 1000 audio, 532 completion tokens of which 400 audio. */
const audioUsage = {
  prompt_tokens: 1234, completion_tokens: 532, total_tokens: 1766,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 400 },
};
/** 234*2.5 + 1000*32 (audio in) + 132*10 + 400*64 (audio out); at the text rates it would be 1234*2.5 + 532*10. */
const audioRow = { promptTokens: 1234, cachedTokens: 0, completionTokens: 532, reasoningTokens: 0, costUsd: (234 * 2.5 + 1000 * 32 + 132 * 10 + 400 * 64) / M };

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

describeBillingCases(CASES, fake, () => gw);
