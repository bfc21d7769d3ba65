/**
 * The parameter matrix (parameter-matrix-rig.ts), sampling and length: n, logprobs, penalties,
 * logit_bias, seed, stop, temperature, top_p, max_tokens / max_completion_tokens.
 */
import { expect } from 'bun:test';
import { absent, gen, invalid, passed, refused, useParameterMatrix, type Cell } from './parameter-matrix-rig';

const CELLS: Cell[] = [
  {
    name: 'n: 3',
    params: { n: 3 },
    expect: {
      default: { sent: (b) => expect(b.n).toBe(3) },
      'gemini-2.5-flash': gen({ candidateCount: 3 }),
      'deepseek-chat': refused('n'),
      'deepseek-reasoner': refused('n'),
      'qwen3:8b': refused('n'),
      'claude-sonnet-4-5': refused('n'),
    },
  },
  {
    name: 'logprobs with top_logprobs',
    params: { logprobs: true, top_logprobs: 2 },
    expect: {
      default: { sent: (b) => expect(b).toMatchObject({ logprobs: true, top_logprobs: 2 }) },
      'gemini-2.5-flash': refused('logprobs'),
      'deepseek-reasoner': refused('logprobs'),
      'claude-sonnet-4-5': refused('logprobs'),
    },
  },
  {
    name: 'top_logprobs alone',
    params: { top_logprobs: 2 },
    expect: {
      default: passed('top_logprobs'),
      'gemini-2.5-flash': refused('top_logprobs'),
      'deepseek-reasoner': refused('top_logprobs'),
      'claude-sonnet-4-5': refused('top_logprobs'),
    },
  },
  {
    name: 'presence and frequency penalties',
    params: { presence_penalty: 0.5, frequency_penalty: 0.25 },
    expect: {
      default: { sent: (b) => expect(b).toMatchObject({ presence_penalty: 0.5, frequency_penalty: 0.25 }) },
      'gemini-2.5-flash': gen({ presencePenalty: 0.5, frequencyPenalty: 0.25 }),
      'kimi-k2.6': absent('presence_penalty', 'frequency_penalty'),
      'grok-3-mini': absent('presence_penalty', 'frequency_penalty'),
      'grok-4': absent('presence_penalty', 'frequency_penalty'),
      'claude-sonnet-4-5': refused('presence_penalty'),
    },
  },
  {
    name: 'logit_bias',
    params: { logit_bias: { '50256': -100 } },
    expect: {
      default: { sent: (b) => expect(b.logit_bias).toEqual({ '50256': -100 }) },
      'gemini-2.5-flash': refused('logit_bias'),
      'qwen3:8b': refused('logit_bias'),
      'claude-sonnet-4-5': refused('logit_bias'),
    },
  },
  {
    name: 'an empty logit_bias (biases nothing)',
    params: { logit_bias: {} },
    expect: {
      default: passed('logit_bias'),
      'gemini-2.5-flash': absent('logit_bias'),
      'qwen3:8b': { sent: () => {} },
      'claude-sonnet-4-5': absent('logit_bias'),
    },
  },
  {
    name: 'seed',
    params: { seed: 7 },
    expect: { default: { sent: (b) => expect(b.seed).toBe(7) }, 'gemini-2.5-flash': gen({ seed: 7 }), 'claude-sonnet-4-5': absent('seed') },
  },
  {
    name: 'stop as a string',
    params: { stop: 'END' },
    expect: {
      default: { sent: (b) => expect(b.stop).toBe('END') },
      'gemini-2.5-flash': gen({ stopSequences: ['END'] }),
      'grok-3-mini': refused('stop'),
      'grok-4': refused('stop'),
      'claude-sonnet-4-5': { sent: (b) => expect(b.stop_sequences).toEqual(['END']) },
    },
  },
  {
    name: 'stop as an array',
    params: { stop: ['END', 'STOP'] },
    expect: {
      default: { sent: (b) => expect(b.stop).toEqual(['END', 'STOP']) },
      'gemini-2.5-flash': gen({ stopSequences: ['END', 'STOP'] }),
      'grok-3-mini': refused('stop'),
      'grok-4': refused('stop'),
      'claude-sonnet-4-5': { sent: (b) => expect(b.stop_sequences).toEqual(['END', 'STOP']) },
    },
  },
  { name: 'stop with 5 entries (OpenAI takes 4)', params: { stop: ['a', 'b', 'c', 'd', 'e'] }, expect: { default: invalid('stop') } },
  {
    name: 'temperature 1.5',
    params: { temperature: 1.5 },
    expect: {
      default: { sent: (b) => expect(b.temperature).toBe(1.5) },
      'o4-mini': absent('temperature'),
      'gemini-2.5-flash': gen({ temperature: 1.5 }),
      'kimi-k2-0905-preview': { sent: (b) => expect(b.temperature).toBe(1) },
      'kimi-k2.6': absent('temperature'),
      'claude-sonnet-4-5': refused('temperature'),
    },
  },
  { name: 'temperature 2.5 (above OpenAI 2)', params: { temperature: 2.5 }, expect: { default: invalid('temperature') } },
  {
    name: 'top_p',
    params: { top_p: 0.5 },
    expect: {
      default: { sent: (b) => expect(b.top_p).toBe(0.5) },
      'o4-mini': absent('top_p'),
      'gemini-2.5-flash': gen({ topP: 0.5 }),
      'kimi-k2.6': absent('top_p'),
    },
  },
  {
    name: 'max_tokens and max_completion_tokens both: max_completion_tokens counts',
    params: { max_tokens: 100, max_completion_tokens: 50 },
    expect: {
      // OpenAI's own models judge the pair themselves (its 400 for both at once comes back as sent).
      default: { sent: (b) => expect(b).toMatchObject({ max_tokens: 100, max_completion_tokens: 50 }) },
      'o4-mini': { sent: (b) => (expect(b.max_completion_tokens).toBe(50), expect(b).not.toHaveProperty(['max_tokens'])) },
      'gemini-2.5-flash': gen({ maxOutputTokens: 50 }),
      'deepseek-chat': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'deepseek-reasoner': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'kimi-k2-0905-preview': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'kimi-k2.6': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'qwen3:8b': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'claude-sonnet-4-5': { sent: (b) => expect(b.max_tokens).toBe(50) },
    },
  },
];

useParameterMatrix(CELLS);
