import { markClientPart } from '../providers/shared/client-part';
import { remoteFilePart } from '../providers/shared/remote-file';
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from 'openai/resources/chat/completions';
import { badRequest } from '../errors/api-error';
import { markToolResultMedia } from '../providers/shared/tool-result-media';
import type { ResponsesInputItem } from './responses-types';
import { decodeThinking } from './thinking-content';
import { decodeCompaction, summaryText } from './compaction-content';
import { shownValue } from '../errors/shown-value';

/**
 * Responses `input` -> chat messages. Consecutive `function_call` (and `custom_tool_call`) items (and an assistant
 * message directly before them) become one assistant message with `tool_calls`, because chat
 * providers expect every tool result to answer a tool call of the assistant turn before it. For
 * the same reason an assistant message right after such calls (models that write text after
 * starting their calls stream it there) joins that message as its content.
 * A `reasoning` item's text rides along as `reasoning_content` on the assistant turn after it,
 * but only when that turn made tool calls: DeepSeek and Kimi thinking models require it back
 * inside a tool loop, and elsewhere it is noise (older DeepSeek reasoners even reject it).
 * Images and files inside a `function_call_output` go, as for Anthropic's tool_result
 * (anthropic-blocks-to-chat.ts), into a user message after the run of tool messages, since chat
 * tool messages carry only text; they are marked (TOOL_RESULT_MEDIA) so a text-only upstream
 * reads a placeholder rather than refusing.
 */
export function inputToMessages(input: string | ResponsesInputItem[] | undefined, sources?: MessageSource[]): ChatCompletionMessageParam[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') {
    sources?.push({ item: 0, sameParts: false });
    return [{ role: 'user', content: input }];
  }
  if (!Array.isArray(input)) throw badRequest("'input' must be a string or an array of input items.", 'input');
  const out: ChatCompletionMessageParam[] = [];
  let reasoning: string | null = null;
  // Anthropic thinking blocks from a reasoning item's encrypted_content (thinking-content.ts):
  // they go where reasoning_content goes, as `thinking_blocks`.
  let thinking: unknown[] | null = null;
  // Images and files of the tool outputs just read, sent once the run of tool messages ends.
  let media: ChatCompletionContentPart[] = [];
  let mediaFrom = 0;
  const flushMedia = () => {
    if (media.length) push({ role: 'user', content: media }, mediaFrom, false);
    media = [];
  };
  const push = (m: ChatCompletionMessageParam, item: number, sameParts: boolean) => {
    out.push(m);
    sources?.push({ item, sameParts });
  };
  input.forEach((item, i) => {
    const type = item?.type ?? (item?.role ? 'message' : undefined);
    if (type !== 'function_call_output' && type !== 'custom_tool_call_output') flushMedia();
    switch (type) {
      case 'message': {
        const m = messageItem(item, i);
        const prev = out[out.length - 1] as ChatCompletionAssistantMessageParam | undefined;
        if (m.role === 'assistant' && !reasoning && !thinking && prev?.role === 'assistant' && prev.tool_calls?.length && !prev.content) {
          prev.content = m.content as string;
          break;
        }
        if (m.role === 'assistant' && reasoning) (m as any).reasoning_content = reasoning;
        if (m.role === 'assistant' && thinking) (m as any).thinking_blocks = thinking;
        reasoning = null;
        thinking = null;
        push(m, i, m.role !== 'assistant');
        break;
      }
      case 'function_call':
      case 'custom_tool_call':
        if (appendToolCall(out, toolCall(item, i), reasoning, thinking)) sources?.push({ item: i, sameParts: false });
        reasoning = null;
        thinking = null;
        break;
      case 'function_call_output':
      case 'custom_tool_call_output': {
        reasoning = null;
        thinking = null;
        const result = toolOutput(item.output, i);
        push({ role: 'tool', tool_call_id: str(item.call_id, `input[${i}].call_id`), content: result.text }, i, false);
        if (!media.length) mediaFrom = i;
        media.push(...result.media.map(markToolResultMedia));
        break;
      }
      case 'reasoning':
        reasoning = reasoningText(item) || null;
        thinking = decodeThinking(item.encrypted_content);
        break;
      case 'compaction':
      case 'compaction_summary':
        reasoning = null;
        thinking = null;
        push({ role: 'user', content: summaryText(compactionSummary(item, i)) }, i, false);
        break;
      default:
        throw badRequest(
          `Input item type '${shownValue(type)}' is not supported for this model (only message, function_call, function_call_output, custom_tool_call, custom_tool_call_output, reasoning and the gateway's own compaction items can be bridged).`,
          `input[${i}]`,
          'unsupported_input_item',
        );
    }
  });
  flushMedia();
  for (const m of out) if (m.role === 'assistant' && !m.tool_calls?.length) delete (m as any).reasoning_content, delete (m as any).thinking_blocks;
  return out;
}

/**
 * Where a chat message came from: the input item (`input[item]`), and whether its content parts
 * are that item's, one for one (a user or system message's), so an error about part j is about
 * the item's part j.
 */
export interface MessageSource {
  item: number;
  sameParts: boolean;
}

/**
 * The summary of a compaction item the gateway made (compaction-content.ts). One OpenAI made is
 * encrypted for OpenAI's models alone: refused, naming the item, rather than dropped (the
 * conversation it stands for would be lost without a word).
 */
function compactionSummary(item: ResponsesInputItem, i: number): string {
  const summary = decodeCompaction(item.encrypted_content);
  if (summary !== null) return summary;
  throw badRequest(
    `Input item input[${i}] is a compaction OpenAI made (its encrypted_content only OpenAI's models can read); compact the conversation with this model through POST /v1/responses/compact, or send it to an OpenAI model.`,
    `input[${i}]`,
    'unsupported_input_item',
  );
}

/**
 * Reasoning text of a reasoning item: its raw text, else its summary (encrypted content is OpenAI's
 * only). Never both: a bridged item's summary, when the request asked for one, repeats its text.
 */
function reasoningText(item: ResponsesInputItem): string {
  const parts = (Array.isArray(item.content) && item.content.length ? item.content : item.summary) as unknown;
  return Array.isArray(parts) ? parts.map((p: any) => (typeof p?.text === 'string' ? p.text : '')).join('') : '';
}

function str(value: unknown, param: string): string {
  if (typeof value !== 'string' || !value) throw badRequest(`'${param}' is required.`, param);
  return value;
}

function messageItem(item: ResponsesInputItem, i: number): ChatCompletionMessageParam {
  const role = item.role;
  if (role === 'assistant') return { role: 'assistant', content: assistantText(item.content, i) };
  const parts = contentParts(item.content, `input[${i}].content`);
  // `developer` is OpenAI's newer name for system; other providers only know `system`.
  if (role === 'system' || role === 'developer') return { role: 'system', content: textOnly(parts, i) };
  if (role === 'user') return { role: 'user', content: parts.length === 1 && parts[0]!.type === 'text' ? parts[0]!.text : parts };
  throw badRequest(`Unknown message role '${shownValue(role)}'.`, `input[${i}].role`);
}

/** Responses content parts at `path` (`input[0].content`, `input[2].output`) -> chat content parts. */
function contentParts(content: unknown, path: string): ChatCompletionContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw badRequest(`'${path}' must be a string or an array.`, path);
  return content.map((part: any, j: number): ChatCompletionContentPart => {
    const param = `${path}[${j}]`;
    switch (part?.type) {
      case 'input_text':
      case 'output_text':
        return { type: 'text', text: partText(part, param) };
      case 'input_image': {
        if (typeof part.image_url !== 'string' || !part.image_url) {
          throw badRequest('input_image needs an image_url (an https URL or a data: URI); file_id is not supported for this model.', param, 'unsupported_input_image');
        }
        const detail = part.detail === 'low' || part.detail === 'high' ? part.detail : 'auto';
        // Named as the client sent it, should a text-only upstream refuse it (client-part.ts).
        return markClientPart({ type: 'image_url', image_url: { url: part.image_url, detail } }, { path: param, type: part.type });
      }
      case 'input_file':
        if (typeof part.file_data === 'string') {
          return markClientPart({ type: 'file', file: { file_data: part.file_data, filename: part.filename } } as ChatCompletionContentPart, { path: param, type: part.type });
        }
        if (part.file_url !== undefined && part.file_id === undefined) return markClientPart(remoteFile(part, param), { path: param, type: part.type });
        throw badRequest('input_file needs file_data or file_url; file_id is not supported for this model.', param, 'unsupported_input_file');
      default:
        throw badRequest(`Content part type '${shownValue(part?.type)}' is not supported for this model.`, param);
    }
  });
}

/**
 * An `input_file` by `file_url`: a PDF the adapter of a target that takes files downloads under the
 * image-URL guard and sends inline, as a Messages document by URL (remote-file.ts). Named as the
 * client named it, else `document.pdf` (OpenAI's chat `file` part wants a name with its data).
 */
function remoteFile(part: any, param: string): ChatCompletionContentPart {
  const where = `${param}.file_url`;
  if (typeof part.file_url !== 'string' || !/^https?:\/\//i.test(part.file_url)) {
    throw badRequest(`'${where}' must be an http(s) URL.`, where, 'invalid_document_url');
  }
  const filename = typeof part.filename === 'string' && part.filename ? part.filename : 'document.pdf';
  return remoteFilePart(part.file_url, where, filename);
}

function textOnly(parts: ChatCompletionContentPart[], i: number): string {
  return parts
    .map((p) => {
      if (p.type !== 'text') throw badRequest('System and developer messages may only hold text.', `input[${i}].content`);
      return p.text;
    })
    .join('\n');
}

function assistantText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw badRequest(`'input[${i}].content' must be a string or an array.`, `input[${i}].content`);
  return content
    .map((p: any, j) => {
      if (p?.type === 'refusal') return String(p.refusal ?? '');
      return p?.type === 'output_text' || p?.type === 'input_text' ? partText(p, `input[${i}].content[${j}]`) : String(p?.text ?? '');
    })
    .join('');
}

/**
 * A text part's text, which OpenAI requires as a string: a number or object would reach the
 * upstream as "5" or "[object Object]", a missing one as nothing, instead of OpenAI's 400.
 */
function partText(part: any, param: string): string {
  if (typeof part?.text !== 'string') throw badRequest(`'${param}.text' must be a string.`, `${param}.text`);
  return part.text;
}

/** A function_call or custom_tool_call item as chat's call (a custom tool's input is its raw text). */
function toolCall(item: ResponsesInputItem, i: number): ChatCompletionMessageToolCall {
  const id = str(item.call_id, `input[${i}].call_id`);
  const name = str(item.name, `input[${i}].name`);
  if (item.type !== 'custom_tool_call') return { id, type: 'function', function: { name, arguments: callArguments(item.arguments, i) } };
  if (item.input != null && typeof item.input !== 'string') throw badRequest(`'input[${i}].input' must be a string.`, `input[${i}].input`);
  return { id, type: 'custom', custom: { name, input: (item.input as string | undefined) ?? '' } };
}

/** Adds the call to the assistant turn before it, or as a new one (then answers true). */
function appendToolCall(out: ChatCompletionMessageParam[], call: ChatCompletionMessageToolCall, reasoning: string | null, thinking: unknown[] | null = null): boolean {
  const last = out[out.length - 1];
  if (last?.role === 'assistant') {
    const a = last as ChatCompletionAssistantMessageParam;
    // The array is the gateway's own (made below): grown in place, as copying it for each call was quadratic.
    (a.tool_calls ??= []).push(call);
    return false;
  }
  const m: ChatCompletionAssistantMessageParam = { role: 'assistant', content: null, tool_calls: [call] };
  if (reasoning) (m as any).reasoning_content = reasoning;
  if (thinking) (m as any).thinking_blocks = thinking;
  out.push(m);
  return true;
}

/** A function_call's arguments: a JSON string as OpenAI takes it (left out: none); anything else was sent on as '{}'. */
function callArguments(args: unknown, i: number): string {
  if (args === undefined || args === null) return '{}';
  if (typeof args !== 'string') throw badRequest(`'input[${i}].arguments' must be a string (the arguments as JSON).`, `input[${i}].arguments`);
  return args;
}

/** A function_call_output's output: a string, or content parts whose text is the tool message and whose images and files travel apart. */
function toolOutput(output: unknown, i: number): { text: string; media: ChatCompletionContentPart[] } {
  if (typeof output === 'string') return { text: output, media: [] };
  if (!Array.isArray(output)) throw badRequest(`'input[${i}].output' must be a string or an array of content parts.`, `input[${i}].output`);
  const parts = contentParts(output, `input[${i}].output`);
  return {
    text: parts.map((p) => (p.type === 'text' ? p.text : '')).join(''),
    media: parts.filter((p) => p.type !== 'text'),
  };
}
