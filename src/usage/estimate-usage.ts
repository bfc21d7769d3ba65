import { inlinePdfTokens, PDF_PAGE_TOKENS } from './file-tokens';
import { approximateTokens, tokenCounter, type TokenCounter } from './token-counter';
import type { Usage } from './types';

/**
 * Token estimates, used only when an upstream reported no usage (or a stream was cut before its
 * usage chunk). Which texts are counted, and the fixed costs around them, is decided here (pure);
 * the counting runs off the main thread (token-counter.ts).
 */

/** OpenAI's chat format costs ~3 tokens per message plus 3 to prime the reply (openai-cookbook). */
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
/** A low-detail image is 85 tokens at OpenAI; without the image's size nothing better is known. */
const TOKENS_PER_IMAGE = 85;
/**
 * Bytes of an audio clip per token: Gemini bills 32 tokens a second, OpenAI's audio models ~10;
 * an mp3 at 128 kbit/s is 16,000 bytes a second (a WAV more, so it is counted high).
 */
const AUDIO_BYTES_PER_TOKEN = 500;
/** Bytes of a file that is not a PDF per token (text runs ~4 bytes a token). */
const FILE_BYTES_PER_TOKEN = 4;

/** Decoded bytes of base64 data (a data URI's payload, or bare base64). */
function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor(((data.length - (data.indexOf(',') + 1)) * 3) / 4) - padding;
}

/** An inline file's tokens: a PDF's pages (PDF_PAGE_TOKENS each), another file by its size; none without inline data. */
function fileTokens(file: unknown): number {
  const data = (file as { file_data?: unknown } | null)?.file_data;
  if (typeof data !== 'string') return 0;
  return inlinePdfTokens(data, PDF_PAGE_TOKENS) ?? Math.ceil(base64Bytes(data) / FILE_BYTES_PER_TOKEN);
}

/** An audio clip's tokens, from its size. */
function audioTokens(audio: unknown): number {
  const data = (audio as { data?: unknown } | null)?.data;
  return typeof data === 'string' ? Math.ceil(base64Bytes(data) / AUDIO_BYTES_PER_TOKEN) : 0;
}

/** The parts of an OpenAI chat message the estimate reads; other fields are ignored. */
export interface MessageLike {
  role?: unknown;
  content?: unknown;
  name?: unknown;
  tool_calls?: unknown;
}

/** A prompt as the texts to tokenize plus the tokens known without tokenizing (framing, images). */
export interface PromptPieces {
  texts: string[];
  fixed: number;
}

function addContent(content: unknown, p: PromptPieces): void {
  if (typeof content === 'string') {
    p.texts.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (part === null || typeof part !== 'object') continue;
    const x = part as Record<string, unknown>;
    if (typeof x.text === 'string') p.texts.push(x.text);
    else if (x.type === 'image_url' || x.type === 'input_image') p.fixed += TOKENS_PER_IMAGE;
    else if (x.type === 'file') p.fixed += fileTokens(x.file);
    else if (x.type === 'input_audio') p.fixed += audioTokens(x.input_audio);
  }
}

/** What a chat message list (or a plain prompt string) costs, as texts to count plus fixed tokens. */
export function promptPieces(prompt: readonly MessageLike[] | string): PromptPieces {
  if (typeof prompt === 'string') return { texts: [prompt], fixed: 0 };
  const p: PromptPieces = { texts: [], fixed: REPLY_PRIMING };
  for (const m of prompt) {
    p.fixed += TOKENS_PER_MESSAGE;
    addContent(m.content, p);
    if (typeof m.role === 'string') p.texts.push(m.role);
    if (typeof m.name === 'string') {
      p.texts.push(m.name);
      p.fixed += 1;
    }
    if (Array.isArray(m.tool_calls)) p.texts.push(JSON.stringify(m.tool_calls));
  }
  return p;
}

/**
 * A chat prompt's tokens (messages plus the JSON of its tool definitions) at ~4 characters a
 * token, counted at once on the calling thread. For a number the client sees before the upstream
 * reports any (message_start's `input_tokens`): the tokenizer's worker would hold up the first
 * byte when cold (~0.1 s to start and load its tables, ~10-15 MiB kept) and count each long prompt again,
 * for a figure the exact count at the end replaces.
 */
export function approximatePromptTokens(messages: readonly MessageLike[], tools?: unknown): number {
  const p = promptPieces(messages);
  if (Array.isArray(tools) && tools.length) p.texts.push(JSON.stringify(tools));
  return p.texts.reduce((n, t) => n + approximateTokens(t), p.fixed);
}

/**
 * Estimated usage for a request whose upstream gave no numbers: the whole prompt plus only the
 * text actually delivered (a cut stream is billed for what the client received, never zero and
 * never the full request). One round trip to the counter for both. `tools`: the request's tool
 * definitions, counted as their JSON: providers bill them as prompt tokens.
 */
export async function estimateUsage(
  prompt: readonly MessageLike[] | string,
  deliveredText: string,
  counter: TokenCounter = tokenCounter,
  tools?: unknown,
): Promise<Usage> {
  const p = promptPieces(prompt);
  if (Array.isArray(tools) && tools.length) p.texts.push(JSON.stringify(tools));
  const counts = await counter.count([...p.texts, deliveredText]);
  const output = counts.pop() ?? 0;
  return { input: counts.reduce((a, n) => a + n, p.fixed), cachedInput: 0, output, reasoning: 0, estimated: true };
}

/**
 * Usage whose prompt counts the upstream reported but whose output count it never sent (a stream
 * cut between Anthropic's message_start and message_delta, or a Gemini stream cut before its
 * finishing chunk): the prompt as reported, cache reads and writes included, and the output counted
 * from the delivered text, never below the upstream's. Reasoning the upstream counted apart and did
 * not deliver (Gemini's running thoughtsTokenCount) is added to the counted text, not compared with
 * it: the visible part is the larger of the delivered text's count and the upstream's own.
 * `scale` turns the count of `deliveredText` into that of all that was delivered (a sampled text).
 */
export async function estimateOutput(
  upstream: Usage,
  deliveredText: string,
  counter: TokenCounter = tokenCounter,
  scale: (tokens: number) => number = (n) => n,
): Promise<Usage> {
  const [counted = 0] = await counter.count([deliveredText]);
  const reasoning = Math.min(upstream.reasoning, upstream.output);
  const output = Math.max(scale(counted), upstream.output - reasoning) + reasoning;
  return { ...upstream, output, reasoning, estimated: true };
}

/**
 * Delivered text as a stream keeps it for an estimate (providers/shared/tally-text.ts): its first
 * characters, and how many were delivered in all (unset: the text's length).
 */
export interface DeliveredSample {
  deliveredText: string;
  deliveredChars?: number;
}

/** An output count of a sampled text scaled up to all that was delivered. */
export function scaledOutput(output: number, d: DeliveredSample): number {
  const total = d.deliveredChars ?? d.deliveredText.length;
  return d.deliveredText.length > 0 && total > d.deliveredText.length ? Math.round((output * total) / d.deliveredText.length) : output;
}

/** estimateUsage of a sampled delivered text, its output scaled up to all that was delivered. */
export async function estimateSampled(prompt: readonly MessageLike[] | string, d: DeliveredSample, counter: TokenCounter = tokenCounter, tools?: unknown): Promise<Usage> {
  const u = await estimateUsage(prompt, d.deliveredText, counter, tools);
  return { ...u, output: scaledOutput(u.output, d) };
}

/** estimateOutput of a sampled delivered text, its count scaled up to all that was delivered. */
export function estimateOutputSampled(upstream: Usage, d: DeliveredSample, counter: TokenCounter = tokenCounter): Promise<Usage> {
  return estimateOutput(upstream, d.deliveredText, counter, (n) => scaledOutput(n, d));
}

/** The upstream's usage when it sent one, otherwise an estimate of prompt + delivered text. */
export async function usageOrEstimate(
  upstream: Usage | null,
  prompt: readonly MessageLike[] | string,
  deliveredText: string,
  counter: TokenCounter = tokenCounter,
  tools?: unknown,
): Promise<Usage> {
  return upstream ?? estimateUsage(prompt, deliveredText, counter, tools);
}

/**
 * A stream's usage (cut before its final count) with the server-side compaction step it showed
 * added as an extra step (Usage.extraSteps, billed at its own prompt length's prices): the step read
 * the whole prompt, estimated from the request's messages (its cache reads unknown: all at the input
 * price), and wrote `summary`. Unchanged when the usage already counts its steps.
 */
export async function withCompactionEstimate(usage: Usage, prompt: readonly MessageLike[], summary: string, counter: TokenCounter = tokenCounter): Promise<Usage> {
  if (usage.extraSteps?.length) return usage;
  const { input } = await estimateUsage(prompt, '', counter);
  const [output = 0] = await counter.count([summary]);
  const step = { input, cachedInput: 0, output, reasoning: 0 };
  return { ...usage, input: usage.input + input, output: usage.output + output, extraSteps: [step], estimated: true };
}
