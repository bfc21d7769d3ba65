import type { ChatCompletionContentPart, ChatCompletionMessageParam, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { badRequest } from '../errors/api-error';
import type { ChatRequest } from '../providers/types';
import type { AnthropicBlock, MessagesRequest } from './anthropic-types';
import { applyThinking } from './map-thinking';
import { mapToolChoice, mapTools } from './map-anthropic-tools';
import { fromToolUseId } from './tool-use-id';

export interface TranslateTarget {
  /** The name the chat pipeline routes (the client's `model`). */
  model: string;
  /** Provider and upstream model of the first route target: what the request must suit. */
  provider: string;
  upstreamModel: string;
}

const unsupported = (what: string, param: string, provider: string) =>
  badRequest(`${what} ('${param}') is not supported by provider '${provider}'.`, param, 'unsupported_parameter');

/** Top-level fields only Anthropic's own API can honour. */
const REFUSED_FIELDS: Record<string, string> = {
  container: 'containers',
  mcp_servers: 'MCP servers',
};

/** Providers whose chat API takes `top_k` (Gemini as topK; the mock ignores everything). */
const TOP_K_PROVIDERS = new Set(['gemini', 'mock']);
/** Providers that need an assistant turn's reasoning back inside a tool loop (see reasoning-quirk.ts). */
const REASONING_BACK = new Set(['deepseek', 'moonshot']);

/** Checks the shape Anthropic requires; throws a 400 naming the field. */
export function validateMessagesRequest(body: unknown): MessagesRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  const req = body as MessagesRequest;
  if (typeof req.model !== 'string' || !req.model) throw badRequest('model: Field required', 'model');
  if (typeof req.max_tokens !== 'number' || !Number.isInteger(req.max_tokens) || req.max_tokens < 1) {
    throw badRequest('max_tokens: Field required (a positive integer)', 'max_tokens');
  }
  if (!Array.isArray(req.messages) || req.messages.length === 0) throw badRequest('messages: at least one message is required', 'messages');
  req.messages.forEach((m, i) => {
    if (!m || typeof m !== 'object') throw badRequest(`messages.${i}: must be an object`, `messages.${i}`);
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system') {
      throw badRequest(`messages.${i}.role: Input should be 'user' or 'assistant'`, `messages.${i}.role`);
    }
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) {
      throw badRequest(`messages.${i}.content: must be a string or a list of content blocks`, `messages.${i}.content`);
    }
  });
  if (req.system !== undefined && req.system !== null && typeof req.system !== 'string' && !Array.isArray(req.system)) {
    throw badRequest('system: must be a string or a list of text blocks', 'system');
  }
  if (req.stop_sequences !== undefined && req.stop_sequences !== null) {
    if (!Array.isArray(req.stop_sequences) || req.stop_sequences.some((s) => typeof s !== 'string')) {
      throw badRequest('stop_sequences: must be a list of strings', 'stop_sequences');
    }
  }
  for (const f of ['temperature', 'top_p', 'top_k'] as const) {
    if (req[f] !== undefined && req[f] !== null && typeof req[f] !== 'number') throw badRequest(`${f}: must be a number`, f);
  }
  if (req.stream !== undefined && req.stream !== null && typeof req.stream !== 'boolean') throw badRequest('stream: must be a boolean', 'stream');
  return req;
}

/**
 * An Anthropic Messages request -> the chat completion request the chat pipeline runs for
 * every provider. Pure: throws only a 400 ApiError (a malformed block, or something the
 * target provider cannot honour), never on a valid request.
 */
export function messagesToChat(req: MessagesRequest, target: TranslateTarget): ChatRequest {
  const { provider } = target;
  for (const [field, what] of Object.entries(REFUSED_FIELDS)) {
    const v = req[field];
    if (v !== undefined && v !== null) throw unsupported(what, field, provider);
  }
  const messages: ChatCompletionMessageParam[] = [];
  const system = systemText(req.system, 'system');
  if (system) messages.push({ role: 'system', content: system });
  req.messages.forEach((m, i) => {
    const path = `messages.${i}`;
    if (m.role === 'system') {
      // Claude Code sends `system`-role messages inside the conversation.
      const text = systemText(m.content, `${path}.content`);
      if (text) messages.push({ role: 'system', content: text });
    } else if (m.role === 'assistant') {
      messages.push(assistantMessage(m.content, path, REASONING_BACK.has(provider)));
    } else {
      messages.push(...userMessages(m.content, path));
    }
  });

  const chat = { model: target.model, messages } as ChatRequest & Record<string, any>;
  // OpenAI's reasoning models refuse `max_tokens`; every OpenAI model takes the newer name.
  if (provider === 'openai') chat.max_completion_tokens = req.max_tokens;
  else chat.max_tokens = req.max_tokens;
  if (typeof req.temperature === 'number') chat.temperature = req.temperature;
  if (typeof req.top_p === 'number') chat.top_p = req.top_p;
  if (typeof req.top_k === 'number') {
    if (!TOP_K_PROVIDERS.has(provider)) throw unsupported('top_k sampling', 'top_k', provider);
    chat.top_k = req.top_k;
  }
  if (req.stop_sequences?.length) chat.stop = req.stop_sequences;
  const user = req.metadata?.user_id;
  if (typeof user === 'string' && user) chat.user = userId(user);

  const tools = mapTools(req.tools, provider);
  if (tools?.length) {
    chat.tools = tools;
    const choice = mapToolChoice(req.tool_choice);
    if (choice.toolChoice) chat.tool_choice = choice.toolChoice;
    if (choice.parallel === false) chat.parallel_tool_calls = false;
  } else if (req.tool_choice?.type === 'any' || req.tool_choice?.type === 'tool') {
    throw badRequest(`tool_choice.type '${req.tool_choice.type}' needs tools.`, 'tool_choice');
  }
  const format = req.output_config?.format;
  if (format && typeof format === 'object') {
    if (format.type !== 'json_schema' || !format.schema || typeof format.schema !== 'object') {
      throw badRequest("output_config.format: only {type: 'json_schema', schema} is supported.", 'output_config.format');
    }
    chat.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
  }
  applyThinking(chat, req, provider, target.upstreamModel);
  if (req.stream) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}

/**
 * Claude Code's metadata.user_id runs past 64 characters, longer than OpenAI's `user` takes; a
 * long one is sent as its SHA-256 (still one stable id per user, which is all `user` is for).
 */
function userId(id: string): string {
  return id.length <= 64 ? id : new Bun.CryptoHasher('sha256').update(id).digest('hex');
}

function blocksOf(content: unknown, path: string): AnthropicBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw badRequest(`${path}: must be a string or a list of content blocks`, path);
  content.forEach((b, j) => {
    if (!b || typeof b !== 'object' || typeof b.type !== 'string') throw badRequest(`${path}.${j}: a content block needs a type`, `${path}.${j}`);
  });
  return content as AnthropicBlock[];
}

const textOf = (b: AnthropicBlock, path: string): string => {
  if (typeof b.text !== 'string') throw badRequest(`${path}.text: Field required`, `${path}.text`);
  return b.text;
};

/** System prompt (a string or text blocks; cache_control is Anthropic's alone and dropped). */
function systemText(content: unknown, path: string): string {
  if (content === undefined || content === null) return '';
  return blocksOf(content, path)
    .map((b, j) => {
      if (b.type !== 'text') throw badRequest(`${path}.${j}: system blocks must be text`, `${path}.${j}.type`);
      return textOf(b, `${path}.${j}`);
    })
    .filter((t) => t !== '')
    .join('\n\n');
}

/**
 * One user turn -> chat messages: its tool_result blocks become tool messages first (chat
 * wants them right after the assistant turn that made the calls), then the rest is one user
 * message. Images inside tool results go into that user message, since chat tool messages
 * carry only text.
 */
function userMessages(content: unknown, path: string): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  const parts: ChatCompletionContentPart[] = [];
  blocksOf(content, path).forEach((b, j) => {
    const p = `${path}.content.${j}`;
    if (b.type === 'tool_result') {
      if (typeof b.tool_use_id !== 'string' || !b.tool_use_id) throw badRequest(`${p}.tool_use_id: Field required`, `${p}.tool_use_id`);
      const { text, images } = toolResultContent(b.content, `${p}.content`);
      out.push({ role: 'tool', tool_call_id: fromToolUseId(b.tool_use_id), content: text });
      parts.push(...images);
      return;
    }
    const part = userPart(b, p);
    if (part) parts.push(part);
  });
  if (parts.length) {
    const only = parts.length === 1 && parts[0]!.type === 'text' ? parts[0]!.text : null;
    out.push({ role: 'user', content: only ?? parts });
  } else if (out.length === 0) {
    out.push({ role: 'user', content: '' });
  }
  return out;
}

function userPart(b: AnthropicBlock, path: string): ChatCompletionContentPart | null {
  switch (b.type) {
    case 'text':
      return { type: 'text', text: textOf(b, path) };
    case 'image':
      return imagePart(b, path);
    case 'document':
      return documentPart(b, path);
    case 'search_result':
      return { type: 'text', text: searchResultText(b) };
    // Thinking belongs to assistant turns; a client echoing it in a user turn gets it ignored.
    case 'thinking':
    case 'redacted_thinking':
      return null;
    default:
      throw badRequest(`${path}.type: content block type '${b.type}' is not supported here`, `${path}.type`);
  }
}

/** base64 -> a data URI; url -> an image_url the adapters fetch (or inline) under the image-URL guard. */
function imagePart(b: AnthropicBlock, path: string): ChatCompletionContentPart {
  const s = b.source;
  if (s?.type === 'base64') {
    if (typeof s.data !== 'string' || typeof s.media_type !== 'string') throw badRequest(`${path}.source: media_type and data are required`, `${path}.source`);
    return { type: 'image_url', image_url: { url: `data:${s.media_type};base64,${s.data}` } };
  }
  if (s?.type === 'url') {
    if (typeof s.url !== 'string' || !/^https?:\/\//i.test(s.url)) throw badRequest(`${path}.source.url: must be an http(s) URL`, `${path}.source.url`);
    return { type: 'image_url', image_url: { url: s.url } };
  }
  throw badRequest(`${path}.source.type: image source '${String(s?.type)}' is not supported (use base64 or url)`, `${path}.source.type`);
}

function documentPart(b: AnthropicBlock, path: string): ChatCompletionContentPart {
  const s = b.source;
  if (s?.type === 'text' && typeof s.data === 'string') return { type: 'text', text: s.data };
  if (s?.type === 'content') {
    const blocks = typeof s.content === 'string' ? [{ type: 'text', text: s.content }] : Array.isArray(s.content) ? s.content : [];
    return { type: 'text', text: blocks.map((x: any) => (typeof x?.text === 'string' ? x.text : '')).join('\n') };
  }
  if (s?.type === 'base64' && typeof s.data === 'string') {
    const mime = typeof s.media_type === 'string' ? s.media_type : 'application/pdf';
    const filename = typeof b.title === 'string' && b.title ? b.title : 'document.pdf';
    return { type: 'file', file: { file_data: `data:${mime};base64,${s.data}`, filename } };
  }
  throw badRequest(`${path}.source.type: document source '${String(s?.type)}' is not supported (use base64, text or content)`, `${path}.source.type`);
}

function searchResultText(b: AnthropicBlock): string {
  const body = Array.isArray(b.content) ? b.content.map((x: any) => (typeof x?.text === 'string' ? x.text : '')).join('\n') : '';
  return [b.title, b.source, body].filter((x) => typeof x === 'string' && x).join('\n');
}

function toolResultContent(content: unknown, path: string): { text: string; images: ChatCompletionContentPart[] } {
  if (content === undefined || content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: ChatCompletionContentPart[] = [];
  blocksOf(content, path).forEach((b, j) => {
    if (b.type === 'image') images.push(imagePart(b, `${path}.${j}`));
    else if (b.type === 'text') texts.push(textOf(b, `${path}.${j}`));
    else if (b.type === 'search_result') texts.push(searchResultText(b));
    else if (b.type === 'document') {
      const part = documentPart(b, `${path}.${j}`);
      if (part.type === 'text') texts.push(part.text);
      else images.push(part);
    }
    // Other block kinds (tool references, browser state) have no chat equivalent: left out.
  });
  return { text: texts.join('\n'), images };
}

/**
 * One assistant turn -> one assistant chat message: text joined, tool_use blocks as tool_calls,
 * thinking text as `reasoning_content` where the provider needs it back (tool-calling turns of
 * DeepSeek and Kimi thinking models). Signatures and redacted thinking are Anthropic's alone.
 */
function assistantMessage(content: unknown, path: string, reasoningBack: boolean): ChatCompletionMessageParam {
  let text = '';
  let thinking = '';
  const calls: ChatCompletionMessageToolCall[] = [];
  blocksOf(content, path).forEach((b, j) => {
    const p = `${path}.content.${j}`;
    switch (b.type) {
      case 'text':
        text += textOf(b, p);
        return;
      case 'thinking':
        if (typeof b.thinking === 'string') thinking += b.thinking;
        return;
      case 'redacted_thinking':
        return;
      case 'tool_use': {
        if (typeof b.id !== 'string' || !b.id) throw badRequest(`${p}.id: Field required`, `${p}.id`);
        if (typeof b.name !== 'string' || !b.name) throw badRequest(`${p}.name: Field required`, `${p}.name`);
        const input = b.input === undefined || b.input === null ? {} : b.input;
        calls.push({ id: fromToolUseId(b.id), type: 'function', function: { name: b.name, arguments: JSON.stringify(input) } });
        return;
      }
      default:
        throw badRequest(`${p}.type: content block type '${b.type}' is not supported in assistant turns`, `${p}.type`);
    }
  });
  const m: ChatCompletionMessageParam & { reasoning_content?: string } = { role: 'assistant', content: calls.length && !text ? null : text };
  if (calls.length) {
    m.tool_calls = calls;
    if (reasoningBack && thinking) m.reasoning_content = thinking;
  }
  return m;
}
