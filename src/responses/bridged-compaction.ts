import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatRequest } from '../providers/types';
import { isToolResultMedia } from '../providers/shared/tool-result-media';
import { toOpenAIUsage, type Usage } from '../usage/types';
import { encodeCompaction, summaryText } from './compaction-content';
import { newId } from './response-ids';
import { toResponseUsage } from './response-skeleton';

/**
 * What the routed model is asked, after the conversation, to compact it: the summary it writes
 * replaces everything but the user's own messages (kept as they are, as OpenAI keeps them).
 */
export const SUMMARY_PROMPT =
  'Compact the conversation above so that it can go on in a fresh context window. Write a summary that will replace ' +
  "every turn but the user's own messages (those are kept as they are). Keep what is needed to continue the work " +
  'without asking again: the goals and constraints the user set, decisions made and why, facts learned, the names of ' +
  'files, functions, commands and identifiers, the tools called and what they returned, errors met and how they were ' +
  'handled, what is done, and what remains to do next. Be concise but complete, and keep exact names, numbers and ' +
  'paths. Answer with the summary alone, without a preamble, and call no tools.';

/**
 * The chat request that asks the routed model for the summary: the conversation as the bridge
 * translated it (instructions, the stored conversation `previous_response_id` continues, the input),
 * then SUMMARY_PROMPT as the last user turn. Its function tools stay (Anthropic takes tool calls in
 * the history only beside their tools) with `tool_choice: none`; what shapes an answer (a response
 * format, logprobs, streaming) is left out.
 */
export function summaryRequest(chat: ChatRequest): ChatRequest {
  const { response_format: _f, logprobs: _l, top_logprobs: _t, stream: _s, stream_options: _o, tool_choice: _c, parallel_tool_calls: _p, ...rest } = chat as ChatRequest & Record<string, unknown>;
  const out = { ...rest, messages: [...(chat.messages as ChatCompletionMessageParam[]), { role: 'user', content: SUMMARY_PROMPT }] } as ChatRequest;
  if (Array.isArray(chat.tools) && chat.tools.length) out.tool_choice = 'none';
  return out;
}

type KeptPart = { type: 'input_text'; text: string } | { type: 'input_image'; image_url: string; detail: string } | { type: 'input_file'; file_data: string; filename?: string };

/** A user message's content as Responses input parts (tool results' images, which the user did not send, left out). */
function inputParts(content: ChatCompletionMessageParam['content']): KeptPart[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  if (!Array.isArray(content)) return [];
  return (content as ChatCompletionContentPart[]).flatMap((p): KeptPart[] => {
    if (isToolResultMedia(p)) return [];
    if (p.type === 'text') return [{ type: 'input_text', text: p.text }];
    if (p.type === 'image_url') return [{ type: 'input_image', image_url: p.image_url.url, detail: p.image_url.detail ?? 'auto' }];
    if (p.type === 'file' && typeof p.file.file_data === 'string') return [{ type: 'input_file', file_data: p.file.file_data, ...(p.file.filename ? { filename: p.file.filename } : {}) }];
    return [];
  });
}

/**
 * The user's own messages of the conversation, as the message items a compaction keeps: not the
 * summary of an earlier compaction (the new summary covers it), nor the images of tool results the
 * bridge moved into user turns.
 */
export function keptUserItems(conversation: readonly ChatCompletionMessageParam[]): unknown[] {
  const lead = summaryText('');
  const out: unknown[] = [];
  for (const m of conversation) {
    if (m.role !== 'user' || (typeof m.content === 'string' && m.content.startsWith(lead))) continue;
    const content = inputParts(m.content);
    if (content.length) out.push({ id: newId('msg'), type: 'message', status: 'completed', role: 'user', content });
  }
  return out;
}

/** OpenAI's `response.compaction` object: the kept user messages, then one compaction item holding the summary. */
export function compactionObject(kept: unknown[], summary: string, usage: Usage): Record<string, unknown> {
  return {
    id: newId('resp'),
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output: [...kept, { id: newId('cmp'), type: 'compaction', encrypted_content: encodeCompaction(summary) }],
    usage: toResponseUsage(toOpenAIUsage(usage)),
  };
}
