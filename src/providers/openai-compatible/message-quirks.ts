import type { AdapterDeps, UpstreamBody } from '../types';

/**
 * `developer` is OpenAI's newer name for the system role; the other OpenAI-compatible APIs
 * only know `system`, so it is renamed for them.
 */
export function developerToSystem(body: UpstreamBody): void {
  if (!Array.isArray(body.messages) || !body.messages.some((m: any) => m?.role === 'developer')) return;
  body.messages = body.messages.map((m: any) => (m?.role === 'developer' ? { ...m, role: 'system' } : m));
}

const carriesThinkingBlocks = (m: any): boolean => m?.role === 'assistant' && m.thinking_blocks !== undefined;

/**
 * Anthropic's signed thinking blocks (`thinking_blocks` on an assistant message: what the gateway
 * answers Claude turns with, what a Responses reasoning item's encrypted_content turns back into,
 * anthropic/thinking-blocks.ts) mean something to Anthropic alone, and OpenAI-style APIs refuse a
 * message field they do not know (OpenAI: 400 "Unrecognized request argument"): a conversation
 * moving from Claude to another provider (a group's fallback, a model switched mid-way) goes
 * without them. Their text stays wherever the client put it (`reasoning_content`). The client's
 * messages are not changed: a message that held blocks is copied without them.
 */
export function dropThinkingBlocks(body: UpstreamBody): void {
  dropMessageField(body, carriesThinkingBlocks, 'thinking_blocks');
}

/** `field` left out of the messages `which` picks (copies; the client's messages stay as they were); none picked: nothing done. */
function dropMessageField(body: UpstreamBody, which: (m: any) => boolean, field: string): void {
  if (!Array.isArray(body.messages) || !body.messages.some(which)) return;
  body.messages = body.messages.map((m: any) => {
    if (!which(m)) return m;
    const { [field]: _dropped, ...rest } = m;
    return rest;
  });
}

export function hasSystemMessage(body: UpstreamBody): boolean {
  return Array.isArray(body.messages) && body.messages.some((m: any) => m?.role === 'system' || m?.role === 'developer');
}

const isRemote = (url: unknown): url is string => typeof url === 'string' && /^https?:\/\//i.test(url);

/**
 * For upstreams that cannot fetch images themselves: downloads every remote `image_url` (under
 * the SSRF guard in deps.fetchImage) and inlines it as a data URI. Messages without remote
 * images are left as they were.
 */
export async function inlineRemoteImages(body: UpstreamBody, deps: AdapterDeps, signal?: AbortSignal): Promise<void> {
  if (!Array.isArray(body.messages)) return;
  const jobs: Promise<void>[] = [];
  const messages = body.messages.map((m: any) => {
    if (!Array.isArray(m?.content) || !m.content.some((p: any) => p?.type === 'image_url' && isRemote(p.image_url?.url))) {
      return m;
    }
    const content = m.content.map((p: any) => {
      if (p?.type !== 'image_url' || !isRemote(p.image_url?.url)) return p;
      const part = { ...p, image_url: { ...p.image_url } };
      jobs.push(
        deps.fetchImage(p.image_url.url, signal).then((img) => {
          part.image_url.url = `data:${img.mimeType};base64,${img.base64}`;
        }),
      );
      return part;
    });
    return { ...m, content };
  });
  if (jobs.length === 0) return;
  await Promise.all(jobs);
  body.messages = messages;
}

/**
 * For upstreams that read only `max_tokens`: a client's `max_completion_tokens` (OpenAI's newer
 * name) is moved there so the limit is not silently ignored. Given both, it is the one that counts,
 * as for Gemini, Anthropic, OpenAI's reasoning models and the budget's reservation (worst-case.ts).
 */
export function completionTokensToMaxTokens(body: UpstreamBody): void {
  if (body.max_completion_tokens == null) return;
  body.max_tokens = body.max_completion_tokens;
  delete body.max_completion_tokens;
}

/** Whether `content` holds no text: blank, or text parts that are all blank (none at all too). */
function blankText(content: unknown): boolean {
  if (typeof content === 'string') return content.trim() === '';
  return Array.isArray(content) && content.every((p: any) => p?.type === 'text' && (typeof p.text !== 'string' || p.text.trim() === ''));
}

const blankToolCallText = (m: any): boolean =>
  m?.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && m.content != null && blankText(m.content);

/**
 * For upstreams that refuse an assistant message whose text is empty (Kimi: 400 "Invalid request:
 * text content is empty") though they send one themselves for a turn that only made calls
 * (`content: ""`, which clients send back as they got it): the blank text of such a message is left
 * out, as OpenAI's API lets an assistant message with `tool_calls` go without content. Messages
 * with text, or without calls, are left as they were.
 */
export function dropBlankToolCallText(body: UpstreamBody): void {
  dropMessageField(body, blankToolCallText, 'content');
}

const textlessToolCalls = (m: any): boolean =>
  m?.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && (m.content == null || (Array.isArray(m.content) && m.content.length === 0));

/**
 * The other way, for upstreams that refuse an assistant message without content though it made
 * calls (xAI: 400 "Invalid request content: Each message must have at least one content
 * element."), which OpenAI's API takes and the AI SDK sends (`content: null` for a tool-only turn),
 * as does the gateway's translation of an Anthropic `tool_use` turn: such a message goes with
 * `content: ""`, what xAI itself answers that turn with.
 */
export function emptyTextOnToolCalls(body: UpstreamBody): void {
  if (!Array.isArray(body.messages) || !body.messages.some(textlessToolCalls)) return;
  body.messages = body.messages.map((m: any) => (textlessToolCalls(m) ? { ...m, content: '' } : m));
}
