import type { Usage } from './types';

/**
 * Token estimates, used only when an upstream reported no usage (or a stream was cut before its
 * usage chunk). o200k_base is the encoding of current OpenAI models; for other providers it is an
 * approximation, which is why such rows are marked `estimated`. gpt-tokenizer is pure JS, so it
 * compiles into the single binary (the WASM tiktoken ports do not).
 */

/** OpenAI's chat format costs ~3 tokens per message plus 3 to prime the reply (openai-cookbook). */
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
/** A low-detail image is 85 tokens at OpenAI; without the image's size nothing better is known. */
const TOKENS_PER_IMAGE = 85;

/** The parts of an OpenAI chat message the estimate reads; other fields are ignored. */
export interface MessageLike {
  role?: unknown;
  content?: unknown;
  name?: unknown;
  tool_calls?: unknown;
}

// The o200k_base tables cost ~65 MiB of RSS and ~0.3 s to load, while most requests never need an
// estimate (upstreams report usage). So they load on the first estimate, not at start.
let countTokens: ((text: string) => number) | undefined;

/** Longest run of non-space characters tokenized in one piece. */
const RUN = 128;
const LONG_RUN = /\S{128}/g;

export function countTextTokens(text: string): number {
  if (!text) return 0;
  const count = (countTokens ??= (require('gpt-tokenizer/encoding/o200k_base') as typeof import('gpt-tokenizer/encoding/o200k_base')).countTokens);
  // BPE merging costs the square of a word's length: one 40K-char run without spaces (CJK text,
  // base64, 'xxxx...') took ~30 s on the main thread, stalling every request. Long runs are
  // counted in RUN-char slices, which moves an estimate by about a token per slice.
  let n = 0;
  let from = 0;
  LONG_RUN.lastIndex = 0;
  for (let m = LONG_RUN.exec(text); m; m = LONG_RUN.exec(text)) {
    const end = m.index + RUN;
    n += count(text.slice(from, end));
    from = end;
  }
  return from < text.length ? n + count(text.slice(from)) : n;
}

function contentTokens(content: unknown): number {
  if (typeof content === 'string') return countTextTokens(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (part === null || typeof part !== 'object') continue;
    const p = part as Record<string, unknown>;
    if (typeof p.text === 'string') n += countTextTokens(p.text);
    else if (p.type === 'image_url' || p.type === 'input_image') n += TOKENS_PER_IMAGE;
  }
  return n;
}

/** Estimated prompt tokens of a chat message list (or of a plain prompt string). */
export function estimatePromptTokens(prompt: readonly MessageLike[] | string): number {
  if (typeof prompt === 'string') return countTextTokens(prompt);
  let n = REPLY_PRIMING;
  for (const m of prompt) {
    n += TOKENS_PER_MESSAGE + contentTokens(m.content);
    if (typeof m.role === 'string') n += countTextTokens(m.role);
    if (typeof m.name === 'string') n += countTextTokens(m.name) + 1;
    if (Array.isArray(m.tool_calls)) n += countTextTokens(JSON.stringify(m.tool_calls));
  }
  return n;
}

/**
 * Estimated usage for a request whose upstream gave no numbers: the whole prompt plus only the
 * text actually delivered (a cut stream is billed for what the client received, never zero and
 * never the full request).
 */
export function estimateUsage(prompt: readonly MessageLike[] | string, deliveredText: string): Usage {
  return {
    input: estimatePromptTokens(prompt),
    cachedInput: 0,
    output: countTextTokens(deliveredText),
    reasoning: 0,
    estimated: true,
  };
}

/** The upstream's usage when it sent one, otherwise an estimate of prompt + delivered text. */
export function usageOrEstimate(
  upstream: Usage | null,
  prompt: readonly MessageLike[] | string,
  deliveredText: string,
): Usage {
  return upstream ?? estimateUsage(prompt, deliveredText);
}
