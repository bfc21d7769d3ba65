/**
 * The parameter matrix (parameter-matrix-rig.ts), OpenAI's other features: audio output, web search,
 * prediction, store and metadata, reasoning_effort, the developer role, an input_audio part; and a
 * group walking past a target that refuses a parameter.
 */
import { describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { absent, gen, passed, refused, useParameterMatrix, type Cell } from './parameter-matrix-rig';

const WAV_BASE64 = Buffer.from('RIFF0000WAVEfmt ').toString('base64');
const AUDIO_PART = [{ role: 'user', content: [{ type: 'text', text: 'What is said?' }, { type: 'input_audio', input_audio: { data: WAV_BASE64, format: 'wav' } }] }];

const CELLS: Cell[] = [
  {
    name: 'audio output (modalities, audio)',
    params: { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } },
    expect: {
      default: refused('modalities'),
      'gpt-4o-mini': { sent: (b) => expect(b).toMatchObject({ modalities: ['text', 'audio'], audio: { voice: 'alloy' } }) },
      'o4-mini': passed('modalities'),
    },
  },
  {
    name: 'web_search_options',
    params: { web_search_options: {} },
    expect: {
      default: refused('web_search_options'),
      'gpt-4o-mini': passed('web_search_options'),
      'o4-mini': passed('web_search_options'),
      // xAI judges it (its chat API has had its own live search options).
      'grok-3-mini': passed('web_search_options'),
      'grok-4': passed('web_search_options'),
    },
  },
  {
    name: 'prediction (a latency hint)',
    params: { prediction: { type: 'content', content: 'Hello' } },
    expect: { default: passed('prediction'), 'gemini-2.5-flash': absent('prediction'), 'claude-sonnet-4-5': refused('prediction') },
  },
  {
    name: 'store, metadata, service_tier, user',
    params: { store: true, metadata: { app: 'matrix' }, service_tier: 'auto', user: 'user-1' },
    expect: {
      default: { sent: (b) => expect(b).toMatchObject({ store: true, metadata: { app: 'matrix' }, service_tier: 'auto', user: 'user-1' }) },
      'gemini-2.5-flash': absent('store', 'metadata', 'service_tier', 'user'),
      'claude-sonnet-4-5': { sent: (b) => (expect(b.metadata).toEqual({ user_id: 'user-1' }), expect(b).not.toHaveProperty(['service_tier'])) },
    },
  },
  {
    name: 'reasoning_effort high',
    params: { reasoning_effort: 'high' },
    expect: {
      default: { sent: (b) => expect(b.reasoning_effort).toBe('high') },
      'gpt-4o-mini': absent('reasoning_effort'),
      'grok-4': absent('reasoning_effort'),
      'gemini-2.5-flash': gen({ thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } }),
      'claude-sonnet-4-5': { sent: (b) => expect(b.thinking).toEqual({ type: 'enabled', budget_tokens: 24576 }) },
    },
  },
  {
    name: 'developer role and a message name',
    params: {},
    messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Hello', name: 'alice' }],
    expect: {
      default: { sent: (b) => expect(b.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello', name: 'alice' }]) },
      'gpt-4o-mini': { sent: (b) => expect(b.messages[0].role).toBe('developer') },
      'o4-mini': { sent: (b) => expect(b.messages[0].role).toBe('developer') },
      'gemini-2.5-flash': { sent: (b) => (expect(b.systemInstruction.parts[0].text).toBe('Be brief.'), expect(b.contents).toHaveLength(1)) },
      'claude-sonnet-4-5': { sent: (b) => (expect(JSON.stringify(b.system)).toContain('Be brief.'), expect(b.messages).toHaveLength(1)) },
    },
  },
  {
    name: 'an input_audio part',
    params: {},
    messages: AUDIO_PART,
    expect: {
      // OpenAI's audio models take it; xAI, Moonshot and Ollama read text and images only, DeepSeek text.
      default: refused('messages[0].content[1].type'),
      'gpt-4o-mini': { sent: (b) => expect(b.messages.at(-1).content[1]).toEqual(AUDIO_PART[0]!.content[1]) },
      'o4-mini': { sent: (b) => expect(b.messages.at(-1).content[1]).toEqual(AUDIO_PART[0]!.content[1]) },
      'gemini-2.5-flash': { sent: (b) => expect(b.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'audio/wav', data: WAV_BASE64 } }) },
      'claude-sonnet-4-5': refused('messages[0].content[1].type', 'unsupported_content'),
    },
  },
];

let client: OpenAI;
const fakes = useParameterMatrix(CELLS, (c) => (client = c));

describe('a group walks past a target that refuses a parameter', () => {
  const cases: { group: string; params: Record<string, unknown> }[] = [
    { group: 'matrix-ollama-first', params: { n: 2 } },
    { group: 'matrix-reasoner-first', params: { logprobs: true, top_logprobs: 1 } },
    { group: 'matrix-claude-first', params: { messages: AUDIO_PART } },
  ];
  for (const { group, params } of cases) {
    test(`${group} with ${Object.keys(params).join(', ')}: OpenAI answers`, async () => {
      const before = fakes.openai.requests.length;
      const res = await client.chat.completions.create({ model: group, messages: [{ role: 'user', content: 'Hello' }], ...params } as any).withResponse();
      expect(res.response.headers.get('x-gophergate-provider')).toBe('openai');
      expect(fakes.openai.requests.length).toBe(before + 1);
      expect(fakes.openai.last().body).toMatchObject(params);
    });
  }
});
