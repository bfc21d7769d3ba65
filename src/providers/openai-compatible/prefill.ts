import type { ProviderSettings, UpstreamBody } from '../types';

/**
 * A prefill: the conversation ends with an assistant message the model is to continue, its answer
 * holding only the continuation. Two OpenAI-compatible APIs do it, each with its own flag on that
 * final message: Kimi's Partial Mode (`"partial": true`) and DeepSeek's Chat Prefix Completion
 * (`"prefix": true`, served only at its beta base URL). A client may send either flag to any
 * provider (and the /v1/messages bridge marks a final assistant turn with `partial`); each
 * provider gets its own flag, and a provider without prefill (OpenAI refuses a message field it
 * does not know) gets neither, the message going up as a past turn, as before.
 */
const PREFILL_FLAGS = ['partial', 'prefix'] as const;
export type PrefillFlag = (typeof PREFILL_FLAGS)[number];

export interface PrefillSupport {
  /** The flag the provider reads on the final assistant message. */
  flag: PrefillFlag;
  /**
   * The base URL that serves prefills (DeepSeek's beta one), given the provider's settings and
   * default base URL; undefined: none here, so the prefill goes up as a past turn. Absent: the
   * configured base URL serves them.
   */
  baseUrl?: (settings: ProviderSettings, defaultBaseUrl: string) => string | undefined;
}

/** Carries either flag (spelt out, not PREFILL_FLAGS.some: no closure per message of every request). */
const flagged = (m: any): boolean => !!m && typeof m === 'object' && ('partial' in m || 'prefix' in m);

/** Text to continue: a non-empty string, or text parts with some text. */
function hasText(content: unknown): boolean {
  if (typeof content === 'string') return content !== '';
  return Array.isArray(content) && content.length > 0 && content.every((p: any) => p?.type === 'text' && typeof p.text === 'string') && content.some((p: any) => p.text !== '');
}

/**
 * Whether `messages` ends in a prefill a provider can continue: an assistant message flagged
 * `partial: true` or `prefix: true`, with text and no tool calls (a tool call is not continued).
 */
export function endsInPrefill(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  const m = messages[messages.length - 1];
  if (!m || typeof m !== 'object' || m.role !== 'assistant') return false;
  if (m.partial !== true && m.prefix !== true) return false;
  return (m.tool_calls == null || (Array.isArray(m.tool_calls) && m.tool_calls.length === 0)) && hasText(m.content);
}

/**
 * Puts `body`'s prefill in the provider's terms, copying the messages it changes (a group's next
 * target may read the same request): the final prefill message carries the provider's flag alone;
 * every other prefill flag, and every flag for a provider without prefill (or whose base URL
 * serves none), is taken off. Returns the base URL to call when the prefill needs one of its own.
 */
export function settlePrefill(body: UpstreamBody, support: PrefillSupport | undefined, settings: ProviderSettings, defaultBaseUrl: string): string | undefined {
  const messages = body.messages;
  if (!Array.isArray(messages) || !messages.some(flagged)) return undefined;
  const base = support && endsInPrefill(messages) ? (support.baseUrl ? support.baseUrl(settings, defaultBaseUrl) : settings.baseUrl || defaultBaseUrl) : undefined;
  const last = messages.length - 1;
  const keep = base !== undefined ? support!.flag : undefined;
  // Already as the provider wants it (Kimi's own `partial: true` from a client): the body goes untouched.
  const settled = (m: any, i: number) => !flagged(m) || (i === last && keep !== undefined && m[keep] === true && PREFILL_FLAGS.every((f) => f === keep || !(f in m)));
  if (messages.every(settled)) return base;
  body.messages = messages.map((m: any, i: number) => {
    if (settled(m, i)) return m;
    const copy = { ...m };
    for (const f of PREFILL_FLAGS) delete copy[f];
    if (i === last && keep !== undefined) copy[keep] = true;
    return copy;
  });
  return base;
}
