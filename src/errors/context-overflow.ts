/**
 * A translated upstream's "the prompt does not fit" 400, in Anthropic's words. Claude Code (and
 * other Anthropic clients) read Anthropic's two messages: `prompt is too long: N tokens > M
 * maximum` starts its reactive compaction (the gap between the numbers says how much to drop), and
 * `input length and \`max_tokens\` exceed context limit: I + O > N` makes it retry at once with a
 * smaller max_tokens. OpenAI, Gemini, DeepSeek, xAI and Moonshot word the same failure their own
 * way, so relayed as they are a session that filled the window stopped there: no compaction, the
 * same request failing every turn (a known failure of gateways in front of Claude Code).
 */

import { UpstreamError, type OpenAIErrorBody } from './api-error';

/** The counts an overflow message gave: prompt tokens, the output asked for, the window. */
export interface ContextOverflow {
  input?: number;
  output?: number;
  limit?: number;
}

const num = (re: RegExp, text: string): number | undefined => {
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
};

/** Words that say the request is over the model's window, with no count to read. */
const OVERFLOW_WORDS = /context_length_exceeded|exceed context limit|exceeds the context window|context length exceeded|maximum context length|maximum prompt length|exceeds the maximum number of tokens|exceeded model token limit|model max length exceeded|input token length too long|prompt is too long/i;

/**
 * The counts of a context-window overflow in a provider's error text (and its error code), or
 * null when the text is about something else. Pure. Each provider's own wording:
 * - OpenAI (and DeepSeek, vLLM): "This model's maximum context length is 128000 tokens. However,
 *   you requested 140000 tokens (108000 in the messages, 32000 in the completion)" (", 500 in the
 *   functions," when tools count apart), or "However, your messages resulted in 130000 tokens";
 *   OpenAI's newer models only "Your input exceeds the context window of this model"
 *   (code context_length_exceeded)
 * - vLLM: "maximum context length of 262144 tokens. You requested a total of 262462 tokens: 230462
 *   tokens from the input messages and 32000 tokens for the completion", or "'max_tokens' or
 *   'max_completion_tokens' is too large: 32000. This model's maximum context length is 40960
 *   tokens and your request has 10000 input tokens"
 * - Gemini: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)"
 * - xAI: "This model's maximum prompt length is 131072 but the request contains 140000 tokens"
 * - Moonshot: "Your request exceeded model token limit: 262144" (" (requested: 269030)" after it on
 *   newer models: prompt and max_tokens together, so not read as the prompt's), or "Input token
 *   length too long"; moonshot-v1 said "model max length exceeded, max length:8192"
 * - Anthropic (read for OpenAI's words on /v1/chat/completions): "prompt is too long: 210000 tokens >
 *   200000 maximum", "input length and `max_tokens` exceed context limit: 195000 + 32000 > 200000"
 */
export function parseContextOverflow(text: string, code?: string | null): ContextOverflow | null {
  if (!OVERFLOW_WORDS.test(text) && code !== 'context_length_exceeded') return null;
  const limit =
    num(/maximum context length (?:is|of) (\d+)/i, text) ??
    num(/maximum number of tokens allowed \(?(\d+)/i, text) ??
    num(/maximum prompt length is (\d+)/i, text) ??
    num(/exceeded model token limit:? (\d+)/i, text) ??
    num(/model max length exceeded, max length:\s*(\d+)/i, text) ??
    num(/prompt is too long: \d+ tokens > (\d+)/i, text) ??
    num(/exceed context limit: \d+ \+ \d+ > (\d+)/i, text);
  const messages = num(/(\d+) in the messages/i, text) ?? num(/(\d+) tokens from the input/i, text);
  const input =
    messages !== undefined
      ? messages + (num(/(\d+) in the functions/i, text) ?? 0)
      : (num(/messages resulted in (\d+) tokens/i, text) ??
        num(/input token count \((\d+)\)/i, text) ??
        num(/request contains (\d+) tokens/i, text) ??
        num(/request has (\d+) input tokens/i, text) ??
        num(/prompt is too long: (\d+) tokens/i, text) ??
        num(/exceed context limit: (\d+) \+/i, text));
  const output = num(/(\d+) in the completion/i, text) ?? num(/exceed context limit: \d+ \+ (\d+)/i, text) ?? num(/(\d+) tokens for the completion/i, text) ?? num(/max_completion_tokens'? is too large: (\d+)/i, text);
  return { input, output, limit };
}

/**
 * Anthropic's message for an overflow: the max_tokens one when the prompt itself fits, the prompt
 * one otherwise (with its counts when the provider gave them; without, clients still see "prompt
 * is too long" and compact by their own measure). The provider's own words follow in brackets.
 */
export function anthropicOverflowMessage(o: ContextOverflow, original: string): string {
  const { input, output, limit } = o;
  if (input !== undefined && output !== undefined && limit !== undefined && input <= limit) {
    return `input length and \`max_tokens\` exceed context limit: ${input} + ${output} > ${limit}, decrease input length or \`max_tokens\` and try again (${original})`;
  }
  if (input !== undefined && limit !== undefined) return `prompt is too long: ${input} tokens > ${limit} maximum (${original})`;
  return `prompt is too long for the model's context window (${original})`;
}

/**
 * OpenAI's words for an overflow, the provider's own in brackets: what OpenAI SDK users match,
 * and LangChain's ContextOverflowError (its agents' history trimming) looks for.
 */
export function openaiOverflowMessage(o: ContextOverflow, original: string): string {
  const { input, output, limit } = o;
  if (input !== undefined && output !== undefined && limit !== undefined) {
    return `This model's maximum context length is ${limit} tokens. However, you requested ${input + output} tokens (${input} in the messages, ${output} in the completion). Please reduce the length of the messages or completion. (${original})`;
  }
  if (input !== undefined && limit !== undefined) {
    return `This model's maximum context length is ${limit} tokens. However, your messages resulted in ${input} tokens. Please reduce the length of the messages. (${original})`;
  }
  return `Your input exceeds the context window of this model. Please adjust your input and try again. (${original})`;
}

/**
 * A translated provider's 400 for a prompt over the model's window in OpenAI's shape (code
 * `context_length_exceeded`, OpenAI's words, `param` the request's field: chat's `messages`,
 * the Responses API's `input`, images' `prompt`); null for any other error and for one the provider coded so itself
 * (OpenAI's own: `upstreamCode`, as upstream-failure.ts keeps it beside the code it relays).
 */
export function openaiOverflowError(err: unknown, param: 'messages' | 'input' | 'prompt' = 'messages'): OpenAIErrorBody['error'] | null {
  if (!(err instanceof UpstreamError) || err.status !== 400) return null;
  if (err.code === 'context_length_exceeded' && err.upstreamCode === 'context_length_exceeded') return null;
  const o = parseContextOverflow(err.message, err.code);
  return o && { message: openaiOverflowMessage(o, err.message), type: 'invalid_request_error', param, code: 'context_length_exceeded' };
}
