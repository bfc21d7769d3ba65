import type { AdapterDeps, ChatRequest } from '../providers/types';
import { inlineRemoteFiles } from '../providers/shared/remote-file';
import { promptPieces } from '../usage/estimate-usage';
import { tokenCounter } from '../usage/token-counter';

/**
 * The tokenizer's count of a chat request's prompt, for the endpoints that count without a model
 * (/v1/messages/count_tokens, /v1/responses/input_tokens): its messages as the usage estimate counts
 * them, plus the JSON of its tool definitions and `extraDefs` (tools the chat form does not carry),
 * plus `extras` (an output schema, MCP servers). A document by URL is downloaded first, under the
 * guard a call would download it with, and counted as an inline one is. Off the main thread.
 */
export async function countChatPrompt(chat: ChatRequest, extraDefs: unknown[], extras: string[], deps: AdapterDeps, signal?: AbortSignal): Promise<number> {
  const downloading = inlineRemoteFiles(chat, deps, signal);
  if (downloading) await downloading; // no document by URL (the usual body): no await
  const p = promptPieces(chat.messages as any[]);
  const defs = [...(Array.isArray(chat.tools) ? chat.tools : []), ...extraDefs];
  const tools = defs.length ? [JSON.stringify(defs)] : [];
  const counts = await tokenCounter.count([...p.texts, ...tools, ...extras]);
  return counts.reduce((a, n) => a + n, p.fixed);
}
