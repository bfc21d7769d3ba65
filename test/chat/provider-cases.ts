/** What each OpenAI-compatible provider's fixtures contain, for the shared matrix tests. */
export interface ProviderCase {
  id: 'openai' | 'deepseek' | 'moonshot' | 'grok' | 'ollama';
  /** `provider/model` as a client names it, and the id the upstream must receive. */
  model: string;
  upstreamModel: string;
  /** Text of chat.json and text.chunks.txt. */
  text: string;
  /** Reasoning text the client should see as `reasoning_content` (null: none). */
  reasoning: string | null;
  /** Usage of text.chunks.txt in OpenAI's convention (what clients must receive). */
  streamUsage: { prompt: number; completion: number; cached: number; reasoning: number };
  /** The provider can fetch remote image URLs itself (else the gateway inlines them). */
  fetchesRemoteImages: boolean;
  /** The provider's chat API takes image parts (DeepSeek's reads text only: refused before the call). */
  readsImages: boolean;
}

export const PROVIDER_CASES: ProviderCase[] = [
  {
    id: 'openai', model: 'openai/gpt-4o-mini', upstreamModel: 'gpt-4o-mini',
    text: 'Hello! How can I help you today?', reasoning: null,
    streamUsage: { prompt: 19, completion: 9, cached: 0, reasoning: 0 }, fetchesRemoteImages: true, readsImages: true,
  },
  {
    id: 'deepseek', model: 'deepseek/deepseek-reasoner', upstreamModel: 'deepseek-reasoner',
    text: 'Hello! How can I help?', reasoning: 'The user greets me.',
    streamUsage: { prompt: 24, completion: 58, cached: 16, reasoning: 49 }, fetchesRemoteImages: true, readsImages: false,
  },
  {
    id: 'moonshot', model: 'moonshot/kimi-k2-0905-preview', upstreamModel: 'kimi-k2-0905-preview',
    text: 'Hello! How can I help?', reasoning: null,
    streamUsage: { prompt: 19, completion: 13, cached: 8, reasoning: 0 }, fetchesRemoteImages: true, readsImages: true,
  },
  {
    // xAI's completion_tokens (9) excludes its 94 reasoning tokens: clients get 103.
    id: 'grok', model: 'grok/grok-3-mini', upstreamModel: 'grok-3-mini',
    text: 'Hello! How can I help?', reasoning: 'The user says hello.',
    streamUsage: { prompt: 32, completion: 103, cached: 6, reasoning: 94 }, fetchesRemoteImages: true, readsImages: true,
  },
  {
    id: 'ollama', model: 'ollama/qwen3:8b', upstreamModel: 'qwen3:8b',
    text: 'Hello! How can I help?', reasoning: 'The user says hello.',
    streamUsage: { prompt: 14, completion: 21, cached: 0, reasoning: 0 }, fetchesRemoteImages: false, readsImages: true,
  },
];

/** The messages a provider's upstream should receive for `sent` (DeepSeek gets its system prompt). */
export function expectedUpstreamMessages(id: ProviderCase['id'], sent: any[]): any[] {
  const hasSystem = sent.some((m) => m.role === 'system' || m.role === 'developer');
  if (id === 'deepseek' && !hasSystem) return [{ role: 'system', content: 'Always respond in English.' }, ...sent];
  // Kimi refuses the blank text of its own tool-call turn sent back: it goes without content (message-quirks.ts).
  if (id === 'moonshot') return sent.map(({ content, ...m }) => (m.role === 'assistant' && m.tool_calls?.length && content === '' ? m : { ...m, content }));
  return sent;
}

/** A 1x1 PNG, for vision requests. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
