/**
 * Cache and reasoning billing on the paths cache-billing-providers/openai.test.ts leave out
 * (cache-billing-rig.ts): Gemini's tool-use prompt tokens (toolUsePromptTokenCount, outside
 * promptTokenCount, billed as input), Moonshot and xAI answers translated for /v1/messages,
 * DeepSeek and Gemini bridged to /v1/responses, a Responses stream that ends `response.incomplete`,
 * Anthropic streams whose message_delta carries only the output (older API versions) or a
 * cumulative prompt count grown by a server tool's second sampling step, and gemini-2.5-pro's
 * long-context tier reached only with its cached tokens counted, on the translated paths.
 */
import type { TestGateway } from '../helpers/start-gateway';
import { sseEventsResponse, sseResponse } from '../helpers/fake-upstream';
import { chunks, fixture } from './load-fixture';
import {
  anthropicClientUsage, anthropicEvents, anthropicMessage, anthropicUsage, chat, chatChunks, chatStreamUsage, chatUsage, describeBillingCases,
  geminiRow, geminiThinking, geminiThinkingStream, json, jsonUsage, M, messages, messagesStreamUsage, type Case, responses, responsesStreamUsage, responsesUsage,
  ssePayloads, useBillingGateway, withWrites,
} from './cache-billing-rig';

let gw: TestGateway;
const fake = useBillingGateway((g) => {
  gw = g;
});

/** Gemini answer grounded by a tool: 120 tool-use prompt tokens beside the 1045-token prompt (1024 of it cached). */
const geminiTool = { ...geminiThinking, usageMetadata: { ...geminiThinking.usageMetadata, toolUsePromptTokenCount: 120, totalTokenCount: geminiThinking.usageMetadata.totalTokenCount + 120 } };
/** 1045 + 120 prompt, 1024 cached, 476 out: (21 + 120)*0.3 + 1024*0.03 + 476*2.5. */
const geminiToolRow = { promptTokens: 1165, cachedTokens: 1024, completionTokens: 476, reasoningTokens: 468, costUsd: (141 * 0.3 + 1024 * 0.03 + 476 * 2.5) / M };

/** Moonshot's stream, usage inside choices[0] of its last chunk: 19 prompt of which 8 cached, 13 out. */
const moonshotRow = { promptTokens: 19, cachedTokens: 8, completionTokens: 13, reasoningTokens: 0, costUsd: (11 * 0.95 + 8 * 0.16 + 13 * 4) / M };
/** grok-3-mini: 32 prompt of which 6 cached; 9 visible + 94 reasoning (outside completion_tokens) = 103 out. */
const grokRow = { promptTokens: 32, cachedTokens: 6, completionTokens: 103, reasoningTokens: 94, costUsd: (26 * 0.3 + 6 * 0.075 + 103 * 0.5) / M };
/** DeepSeek: 1516 = 1472 hit + 44 miss, 23 out. */
const deepseekRow = { promptTokens: 1516, cachedTokens: 1472, completionTokens: 23, reasoningTokens: 0, costUsd: (44 * 0.27 + 1472 * 0.07 + 23 * 1.1) / M };

const anthropicOpening = [
  { type: 'message_start', message: { ...anthropicMessage, content: [], stop_reason: null, usage: { ...anthropicUsage, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Thirty days.' } },
  { type: 'content_block_stop', index: 0 },
];
/** Older API versions: message_delta's usage is the output count alone; the prompt's counts are message_start's. */
const anthropicOutputOnly = anthropicEvents([
  ...anthropicOpening,
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 40 } },
  { type: 'message_stop' },
]);
const anthropicRow = { promptTokens: 3512, cachedTokens: 500, cacheWriteTokens: 3000, completionTokens: 40, reasoningTokens: 0, costUsd: (12 * 3 + 500 * 0.3 + 1000 * 3.75 + 2000 * 6 + 40 * 15) / M };
/**
 * A web search ran between two sampling steps: message_delta's counts are cumulative, so its
 * input_tokens (2012) is the whole request's uncached input, not 12 + 2012.
 */
const anthropicGrown = anthropicEvents([
  ...anthropicOpening,
  {
    type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { input_tokens: 2012, cache_creation_input_tokens: 3000, cache_read_input_tokens: 500, output_tokens: 40, server_tool_use: { web_search_requests: 1 } },
  },
  { type: 'message_stop' },
]);
const anthropicGrownRow = { promptTokens: 5512, cachedTokens: 500, cacheWriteTokens: 3000, completionTokens: 40, costUsd: (2012 * 3 + 500 * 0.3 + 1000 * 3.75 + 2000 * 6 + 40 * 15) / M + 0.01 };

/**
 * gemini-2.5-pro, 190,000 uncached + 20,000 cached prompt tokens: the prompt (cached included) is
 * over the 200k tier, so every token bills at the tier (input 2.5, cached 0.25, output 15), though
 * the uncached part alone is under it; 1,500 answer + 500 thinking tokens.
 */
const geminiLongUsage = { promptTokenCount: 210_000, cachedContentTokenCount: 20_000, candidatesTokenCount: 1_500, thoughtsTokenCount: 500, totalTokenCount: 212_000 };
const geminiLong = { candidates: [{ content: { parts: [{ text: 'Summary.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiLongUsage, modelVersion: 'gemini-2.5-pro' };
const geminiLongRow = { promptTokens: 210_000, cachedTokens: 20_000, completionTokens: 2_000, reasoningTokens: 500, costUsd: (190_000 * 2.5 + 20_000 * 0.25 + 2_000 * 15) / M };

const o4Response = fixture('openai-responses.json');
const o4Row = { promptTokens: 1536, cachedTokens: 1280, completionTokens: 212, reasoningTokens: 192, costUsd: (256 * 1.1 + 1280 * 0.275 + 212 * 4.4) / M };

const CASES: Case[] = [
  {
    name: 'gemini chat JSON with toolUsePromptTokenCount: the tool-use prompt billed as uncached input',
    reply: json(geminiTool), path: '/v1/chat/completions', body: chat('gemini-2.5-flash'),
    row: geminiToolRow, usage: jsonUsage, clientUsage: chatUsage(1165, 1024, 476, 468),
  },
  {
    name: 'gemini through /v1/messages stream with toolUsePromptTokenCount: input_tokens = prompt + tool-use prompt - cached',
    reply: () => sseResponse([
      JSON.stringify({ candidates: [{ content: { parts: [{ text: 'The capital' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 1045, cachedContentTokenCount: 1024, totalTokenCount: 1045 }, modelVersion: 'gemini-2.5-flash' }),
      JSON.stringify({ candidates: [{ content: { parts: [{ text: ' of France is Paris.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiTool.usageMetadata, modelVersion: 'gemini-2.5-flash' }),
    ]),
    path: '/v1/messages', body: messages('gemini-2.5-flash', true),
    row: geminiToolRow, usage: async (r) => messagesStreamUsage(await ssePayloads(r)), clientUsage: anthropicClientUsage(141, 1024, 0, 476),
  },
  {
    name: 'gemini through /v1/responses (bridged) stream: the last usageMetadata in response.completed',
    reply: geminiThinkingStream,
    path: '/v1/responses', body: responses('gemini-2.5-flash', true),
    row: geminiRow, usage: async (r) => responsesStreamUsage(await ssePayloads(r)), clientUsage: responsesUsage(1045, 1024, 476, 468),
  },
  {
    name: 'moonshot through /v1/messages stream: choices[0].usage cached_tokens become cache_read_input_tokens',
    reply: chatChunks(chunks('moonshot-stream-choice-usage.chunks.txt')), path: '/v1/messages', body: messages('kimi-k2.6', true),
    row: moonshotRow, usage: async (r) => messagesStreamUsage(await ssePayloads(r)), clientUsage: anthropicClientUsage(11, 8, 0, 13),
  },
  {
    name: 'moonshot through /v1/responses (bridged) stream: cached_tokens in input_tokens_details',
    reply: chatChunks(chunks('moonshot-stream-choice-usage.chunks.txt')), path: '/v1/responses', body: responses('kimi-k2.6', true),
    row: moonshotRow, usage: async (r) => responsesStreamUsage(await ssePayloads(r)), clientUsage: responsesUsage(19, 8, 13, 0),
  },
  {
    name: 'grok-3-mini through /v1/messages JSON: reasoning outside completion_tokens counted once in output_tokens',
    reply: json(fixture('grok-3-mini-reasoning.json')), path: '/v1/messages', body: messages('grok-3-mini'),
    row: grokRow, usage: jsonUsage, clientUsage: anthropicClientUsage(26, 6, 0, 103),
  },
  {
    name: 'grok-3-mini through /v1/messages stream (recorded, thinking as reasoning_content): the usage-only chunk, reasoning added once',
    reply: chatChunks(chunks('grok-3-mini-reasoning.chunks.txt')),
    path: '/v1/messages', body: messages('grok-3-mini', true),
    row: grokRow, usage: async (r) => messagesStreamUsage(await ssePayloads(r)), clientUsage: anthropicClientUsage(26, 6, 0, 103),
  },
  {
    name: 'deepseek through /v1/responses (bridged) JSON: prompt_cache_hit_tokens as input_tokens_details.cached_tokens',
    reply: json(fixture('deepseek-chat-cache-hit.json')), path: '/v1/responses', body: responses('deepseek-chat'),
    row: deepseekRow, usage: jsonUsage, clientUsage: responsesUsage(1516, 1472, 23, 0),
  },
  {
    name: 'deepseek-reasoner through /v1/responses (bridged) stream: reasoning inside output, once',
    reply: chatChunks(chunks('deepseek-reasoner-stream.chunks.txt')), path: '/v1/responses', body: responses('deepseek-reasoner', true),
    row: { promptTokens: 13, cachedTokens: 0, completionTokens: 422, reasoningTokens: 361, costUsd: (13 * 0.55 + 422 * 2.19) / M },
    usage: async (r) => responsesStreamUsage(await ssePayloads(r)), clientUsage: responsesUsage(13, 0, 422, 361),
  },
  {
    name: 'deepseek chat stream through /v1/chat/completions: usage on the finishing chunk, cache hits billed at the cache price',
    reply: chatChunks([
      { id: 'd1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: { role: 'assistant', content: 'Thirty' }, logprobs: null, finish_reason: null }] },
      { id: 'd1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: { content: '' }, logprobs: null, finish_reason: 'stop' }], usage: fixture('deepseek-chat-cache-hit.json').usage },
    ]),
    path: '/v1/chat/completions', body: chat('deepseek-chat', true),
    row: deepseekRow, usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: chatUsage(1516, 1472, 23, 0),
  },
  {
    name: 'gemini-2.5-pro through /v1/messages stream, over the long-context tier only with its cached tokens: the tier, input_tokens without them',
    reply: () => sseResponse([
      JSON.stringify({ candidates: [{ content: { parts: [{ text: 'Sum' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 210_000, cachedContentTokenCount: 20_000, totalTokenCount: 210_000 }, modelVersion: 'gemini-2.5-pro' }),
      JSON.stringify(geminiLong),
    ]),
    path: '/v1/messages', body: messages('gemini-2.5-pro', true),
    row: geminiLongRow, usage: async (r) => messagesStreamUsage(await ssePayloads(r)), clientUsage: anthropicClientUsage(190_000, 20_000, 0, 2_000, 500),
  },
  {
    name: 'gemini-2.5-pro through /v1/responses (bridged) JSON, over the long-context tier only with its cached tokens: the tier',
    reply: json(geminiLong), path: '/v1/responses', body: responses('gemini-2.5-pro'),
    row: geminiLongRow, usage: jsonUsage, clientUsage: responsesUsage(210_000, 20_000, 2_000, 500),
  },
  {
    name: 'openai /v1/responses passthrough stream ending response.incomplete: its usage billed, not an estimate',
    reply: () => sseEventsResponse([
      { event: 'response.created', data: JSON.stringify({ type: 'response.created', response: { ...o4Response, status: 'in_progress', output: [], usage: null } }) },
      { event: 'response.incomplete', data: JSON.stringify({ type: 'response.incomplete', response: { ...o4Response, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } }) },
    ]),
    path: '/v1/responses', body: responses('o4-mini', true),
    row: o4Row, usage: async (r) => (await ssePayloads(r)).find((e) => e.type === 'response.incomplete')?.response.usage, clientUsage: responsesUsage(1536, 1280, 212, 192),
  },
  {
    name: 'anthropic /v1/messages native stream, message_delta with the output count only: the prompt counts stay message_start\'s',
    reply: anthropicOutputOnly, path: '/v1/messages', body: messages('claude-sonnet-4-5', true),
    row: anthropicRow, usage: async (r) => messagesStreamUsage(await ssePayloads(r)), clientUsage: { ...anthropicUsage, output_tokens: 40 },
  },
  {
    name: 'anthropic chat stream, message_delta\'s cumulative prompt grown by a web search: its input_tokens replace message_start\'s',
    reply: anthropicGrown, path: '/v1/chat/completions', body: chat('claude-sonnet-4-5', true),
    row: anthropicGrownRow, usage: async (r) => chatStreamUsage(await ssePayloads(r)), clientUsage: withWrites(chatUsage(5512, 500, 40, 0), 3000),
  },
  {
    name: 'anthropic through /v1/responses (bridged) stream, message_delta with the output count only',
    reply: anthropicOutputOnly, path: '/v1/responses', body: responses('claude-sonnet-4-5', true),
    row: anthropicRow, usage: async (r) => responsesStreamUsage(await ssePayloads(r)), clientUsage: withWrites(responsesUsage(3512, 500, 40, 0), 3000),
  },
];

describeBillingCases(CASES, fake, () => gw);
