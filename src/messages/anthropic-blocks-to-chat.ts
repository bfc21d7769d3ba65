import type { ChatCompletionContentPart, ChatCompletionMessageParam, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { badRequest } from '../errors/api-error';
import { errorToolContent, TOOL_ERROR, type ToolErrorMarked } from '../providers/shared/tool-error';
import type { AnthropicBlock } from './anthropic-types';
import { fromToolUseId } from './tool-use-id';
import { chatToolName } from './tool-name-limit';
import { isToolSearchTool } from './map-anthropic-tools';
import { markToolResultMedia } from '../providers/shared/tool-result-media';
import { markClientPart } from '../providers/shared/client-part';
import { shownValue } from '../errors/shown-value';
import { fileTitle } from '../providers/shared/inline-file';
import { remoteFilePart } from '../providers/shared/remote-file';
import { isServerStep, serverStepText } from './server-tool-steps';
import { withoutAttribution } from './claude-code-attribution';

/** A server step's text, set apart from the turn's text before it. */
const stepText = (before: string, b: AnthropicBlock): string => (before && !before.endsWith('\n') ? '\n\n' : '') + serverStepText(b) + '\n\n';

/** Anthropic content blocks -> chat messages and content parts (one turn at a time). */

export function blocksOf(content: unknown, path: string): AnthropicBlock[] {
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

/** System prompt (a string or text blocks; cache_control is Anthropic's alone and dropped, as is Claude Code's attribution line). */
export function systemText(content: unknown, path: string): string {
  if (content === undefined || content === null) return '';
  return blocksOf(content, path)
    .map((b, j) => {
      if (b.type !== 'text') throw badRequest(`${path}.${j}: system blocks must be text`, `${path}.${j}.type`);
      return withoutAttribution(textOf(b, `${path}.${j}`));
    })
    .filter((t) => t !== '')
    .join('\n\n');
}

/**
 * One turn as the client sent it: a message's content and its path (`messages.3`). Anthropic
 * combines consecutive messages of one role into one turn, so a turn's translation takes them all.
 */
export interface TurnPart {
  content: unknown;
  path: string;
  /** The first block read (a turn cut at a compaction block: compacted-history.ts); default 0. */
  from?: number;
}

/** Each block of a turn's messages with its own path (`messages.3.content.1`), in order. */
function turnBlocks(parts: readonly TurnPart[]): { b: AnthropicBlock; p: string }[] {
  return parts.flatMap(({ content, path, from = 0 }) =>
    blocksOf(content, `${path}.content`).slice(from).map((b, j) => ({ b, p: `${path}.content.${from + j}` })),
  );
}

/**
 * One user turn -> chat messages: its tool_result blocks become tool messages first (chat
 * wants them right after the assistant turn that made the calls), then the rest is one user
 * message. Images inside tool results go into that user message, since chat tool messages
 * carry only text (marked as a tool result's: TOOL_RESULT_MEDIA). A result with `is_error: true` reads `Error: …` and carries TOOL_ERROR.
 */
export function userMessages(turn: readonly TurnPart[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  const parts: ChatCompletionContentPart[] = [];
  turnBlocks(turn).forEach(({ b, p }) => {
    if (b.type === 'tool_result') {
      if (typeof b.tool_use_id !== 'string' || !b.tool_use_id) throw badRequest(`${p}.tool_use_id: Field required`, `${p}.tool_use_id`);
      const { text, images } = toolResultContent(b.content, p);
      const tool: ChatCompletionMessageParam & ToolErrorMarked = { role: 'tool', tool_call_id: fromToolUseId(b.tool_use_id), content: text };
      // A failed call must read as one: chat has no is_error, so the content says it (see tool-error.ts).
      if (b.is_error === true) {
        tool.content = errorToolContent(text);
        tool[TOOL_ERROR] = text;
      }
      out.push(tool);
      // Marked, so a text-only upstream can leave them out rather than refuse (tool-result-media.ts).
      parts.push(...images.map(markToolResultMedia));
      return;
    }
    // An image or document keeps the client's path and block type, for a text-only upstream's refusal.
    for (const part of userParts(b, p)) parts.push(part.type === 'text' ? part : markClientPart(part, { path: p, type: b.type }));
  });
  if (parts.length) {
    const only = parts.length === 1 && parts[0]!.type === 'text' ? parts[0]!.text : null;
    out.push({ role: 'user', content: only ?? parts });
  } else if (out.length === 0) {
    out.push({ role: 'user', content: '' });
  }
  return out;
}

function userParts(b: AnthropicBlock, path: string): ChatCompletionContentPart[] {
  switch (b.type) {
    case 'text':
      return [{ type: 'text', text: textOf(b, path) }];
    case 'image':
      return [imagePart(b, path)];
    case 'document':
      return documentParts(b, path);
    case 'search_result':
      return [{ type: 'text', text: searchResultText(b) }];
    // Thinking belongs to assistant turns; a client echoing it in a user turn gets it ignored.
    case 'thinking':
    case 'redacted_thinking':
      return [];
    default:
      throw badRequest(`${path}.type: content block type '${shownValue(b.type)}' is not supported here`, `${path}.type`);
  }
}

/** A `url` source's URL, refused unless http(s). */
function httpUrl(s: { url?: unknown }, path: string): string {
  if (typeof s.url !== 'string' || !/^https?:\/\//i.test(s.url)) throw badRequest(`${path}.source.url: must be an http(s) URL`, `${path}.source.url`);
  return s.url;
}

/** base64 -> a data URI; url -> an image_url the adapters fetch (or inline) under the image-URL guard. */
function imagePart(b: AnthropicBlock, path: string): ChatCompletionContentPart {
  const s = b.source;
  if (s?.type === 'base64') {
    if (typeof s.data !== 'string' || typeof s.media_type !== 'string') throw badRequest(`${path}.source: media_type and data are required`, `${path}.source`);
    return { type: 'image_url', image_url: { url: `data:${s.media_type};base64,${s.data}` } };
  }
  if (s?.type === 'url') {
    return { type: 'image_url', image_url: { url: httpUrl(s, path) } };
  }
  throw badRequest(`${path}.source.type: image source '${shownValue(s?.type)}' is not supported (use base64 or url)`, `${path}.source.type`);
}

/** The longest document title a text document's header line shows, in characters (as a plain-text file's, content-parts.ts). */
const TITLE_MAX = 256;

/**
 * A document's `title` and `context`, which Claude is shown beside the document (two contracts told
 * apart by their titles), as header lines (`File: <title>`, the form a plain-text file part takes,
 * content-parts.ts); '' when it has neither.
 */
function documentHead(b: AnthropicBlock): string {
  const title = fileTitle({ filename: b.title }, TITLE_MAX);
  const context = typeof b.context === 'string' && /\S/.test(b.context) ? b.context : null;
  return `${title ? `File: ${title}\n` : ''}${context ? `Context: ${context}\n` : ''}`;
}

/** A text document as the model reads it: its header lines, then the text. */
const documentText = (b: AnthropicBlock, text: string): ChatCompletionContentPart[] => [{ type: 'text', text: documentHead(b) + text }];

/**
 * A PDF (or other file) document as a `file` part. The title names the file; a `context` has no
 * place in a file part, so it goes in a text part before it with the title, the header a text
 * document reads (`File: <title>\nContext: <context>`): dropped, the model could no longer tell
 * what the document is for. Without a context the file part goes alone.
 */
function fileDocument(b: AnthropicBlock, file: ChatCompletionContentPart): ChatCompletionContentPart[] {
  const hasContext = typeof b.context === 'string' && /\S/.test(b.context);
  return hasContext ? [{ type: 'text', text: documentHead(b).trimEnd() }, file] : [file];
}

function documentParts(b: AnthropicBlock, path: string): ChatCompletionContentPart[] {
  const s = b.source;
  if (s?.type === 'text' && typeof s.data === 'string') return documentText(b, s.data);
  if (s?.type === 'content') {
    const blocks = typeof s.content === 'string' ? [{ type: 'text', text: s.content }] : Array.isArray(s.content) ? s.content : [];
    return documentText(b, blocks.map((x: any) => (typeof x?.text === 'string' ? x.text : '')).join('\n'));
  }
  const title = typeof b.title === 'string' && b.title ? b.title : undefined;
  if (s?.type === 'base64' && typeof s.data === 'string') {
    const mime = typeof s.media_type === 'string' ? s.media_type : 'application/pdf';
    // A plain-text document without a title is not named a PDF (a text-only provider shows the name: content-parts.ts).
    const filename = title ?? (mime === 'application/pdf' ? 'document.pdf' : undefined);
    return fileDocument(b, { type: 'file', file: { file_data: `data:${mime};base64,${s.data}`, ...(filename && { filename }) } });
  }
  // A PDF by URL: downloaded by the adapter of a target that takes files, under the image-URL guard (remote-file.ts).
  if (s?.type === 'url') {
    return fileDocument(b, remoteFilePart(httpUrl(s, path), `${path}.source.url`, title ?? 'document.pdf'));
  }
  throw badRequest(`${path}.source.type: document source '${shownValue(s?.type)}' is not supported (use base64, url, text or content)`, `${path}.source.type`);
}

function searchResultText(b: AnthropicBlock): string {
  const body = Array.isArray(b.content) ? b.content.map((x: any) => (typeof x?.text === 'string' ? x.text : '')).join('\n') : '';
  return [b.title, b.source, body].filter((x) => typeof x === 'string' && x).join('\n');
}

/** Tool-result blocks Anthropic takes that have no chat equivalent: left out. Any other type is refused, as Anthropic refuses it. */
const WORDLESS_RESULT_BLOCKS = new Set(['tool_reference', 'browser_state']);
/** The tool-result block types Anthropic names when it refuses another, in its order. */
const RESULT_TAGS = "'document', 'image', 'search_result', 'text'";

/** A tool_result block's content (`blockPath`: `messages.2.content.0`) as text and images. */
function toolResultContent(content: unknown, blockPath: string): { text: string; images: ChatCompletionContentPart[] } {
  const path = `${blockPath}.content`;
  if (content === undefined || content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: ChatCompletionContentPart[] = [];
  blocksOf(content, path).forEach((b, j) => {
    if (b.type === 'image') images.push(imagePart(b, `${path}.${j}`));
    else if (b.type === 'text') texts.push(textOf(b, `${path}.${j}`));
    else if (b.type === 'search_result') texts.push(searchResultText(b));
    else if (b.type === 'document') {
      for (const part of documentParts(b, `${path}.${j}`)) {
        if (part.type === 'text') texts.push(part.text);
        else images.push(part);
      }
    } else if (!WORDLESS_RESULT_BLOCKS.has(b.type)) {
      // Anthropic's words, its path naming the block type (`messages.2.content.0.tool_result.content.1`).
      const at = `${blockPath}.tool_result.content.${j}`;
      throw badRequest(`${at}: Input tag '${shownValue(b.type)}' found using 'type' does not match any of the expected tags: ${RESULT_TAGS}`, `${path}.${j}.type`);
    }
  });
  return { text: texts.join('\n'), images };
}

/**
 * One assistant turn (its consecutive messages) -> one assistant chat message: text joined, tool_use blocks as tool_calls,
 * thinking text as `reasoning_content` where the provider needs it back (DeepSeek and Kimi thinking
 * models: a turn that made tool calls, and one answering tool results, `afterToolResults`, which
 * DeepSeek V4 wants back too: reasoning-quirk.ts). Signatures and redacted thinking are Anthropic's alone.
 */
export function assistantMessage(turn: readonly TurnPart[], reasoningBack: boolean, afterToolResults = false): ChatCompletionMessageParam {
  let text = '';
  let thinking = '';
  const calls: ChatCompletionMessageToolCall[] = [];
  turnBlocks(turn).forEach(({ b, p }) => {
    switch (b.type) {
      case 'text':
        text += textOf(b, p);
        return;
      case 'thinking':
        if (typeof b.thinking === 'string') thinking += b.thinking;
        return;
      case 'redacted_thinking':
        return;
      // Anthropic's tool search, run by Anthropic in an earlier turn: nothing for another provider (isToolSearchTool).
      case 'tool_search_tool_result':
        return;
      case 'server_tool_use':
        if (isToolSearchTool(b.name)) return;
        text += stepText(text, b);
        return;
      case 'tool_use': {
        if (typeof b.id !== 'string' || !b.id) throw badRequest(`${p}.id: Field required`, `${p}.id`);
        if (typeof b.name !== 'string' || !b.name) throw badRequest(`${p}.name: Field required`, `${p}.name`);
        const input = b.input === undefined || b.input === null ? {} : b.input;
        calls.push({ id: fromToolUseId(b.id), type: 'function', function: { name: chatToolName(b.name), arguments: JSON.stringify(input) } });
        return;
      }
      default:
        // A server tool's step Claude ran in an earlier turn (web search, fetch, code execution): read as text (server-tool-steps.ts).
        if (isServerStep(b.type)) {
          text += stepText(text, b);
          return;
        }
        throw badRequest(`${p}.type: content block type '${shownValue(b.type)}' is not supported in assistant turns`, `${p}.type`);
    }
  });
  const m: ChatCompletionMessageParam & { reasoning_content?: string } = { role: 'assistant', content: calls.length && !text ? null : text };
  if (calls.length) m.tool_calls = calls;
  // The client's own thinking, which the gateway's reasoning memory may no longer hold (a resumed session).
  if (reasoningBack && thinking && (calls.length || afterToolResults)) m.reasoning_content = thinking;
  return m;
}
