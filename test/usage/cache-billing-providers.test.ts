/**
 * Cache and reasoning billing of DeepSeek, Moonshot, xAI Grok, Gemini and Anthropic, end to end
 * (cache-billing-rig.ts): each provider's real usage shape (cache hits, cache writes with both
 * TTLs, reasoning tokens, audio input, server-tool fees) through the real gateway on each path
 * (chat JSON and stream, /v1/responses passthrough and bridged, /v1/messages native and
 * translated), the log row's token columns and cost checked against the arithmetic beside each
 * case (prices asserted in cache-billing-openai.test.ts), and the client's usage in its API's
 * convention; Anthropic's input_tokens EXCLUDES cache_read_input_tokens and cache_creation_input_tokens.
 */
import { expect, test } from 'bun:test';
import { sseResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { chunks, fixture } from './load-fixture';
import {
  anthropicClientUsage, anthropicEvents, anthropicMessage, anthropicUsage, chat, chatChunks, chatStreamUsage, chatUsage, describeBillingCases,
  geminiRow, geminiThinking, geminiThinkingStream, json, jsonUsage, M, messages, messagesStreamUsage, o3, o3Row, type Case, responses, responsesStreamUsage,
  responsesUsage, ssePayloads, useBillingGateway, withWrites,
} from './cache-billing-rig';

let gw: TestGateway;
const fake = useBillingGateway((g) => {
  gw = g;
});

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

const CASES: Case[] = [
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
    reply: geminiThinkingStream,
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
];

describeBillingCases(CASES, fake, () => gw);

test('usage without prompt-cache writes tells none (cache_write_tokens only where the provider wrote to its cache)', async () => {
  fake.handler = json(geminiThinking);
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(chat('gemini-2.5-flash')) });
  expect(((await res.json()) as any).usage.prompt_tokens_details).toEqual({ cached_tokens: 1024 });
  fake.handler = json(geminiThinking);
  const r2 = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify(responses('gemini-2.5-flash')) });
  expect(((await r2.json()) as any).usage.input_tokens_details).toEqual({ cached_tokens: 1024 });
});
