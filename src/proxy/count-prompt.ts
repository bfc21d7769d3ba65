import { ApiError } from '../errors/api-error';
import type { AdapterDeps, ChatRequest, ProviderId } from '../providers/types';
import { fitContentParts } from '../providers/shared/content-parts';
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

/**
 * The request as `translate` makes it for the first of `targets` whose provider reads its content
 * parts, fitted as its adapter fits them (fitContentParts: a plain-text file as text, a tool
 * result's PDF as a placeholder): a part the endpoint would refuse for a target is refused for it
 * here, with the same 400, and a group's next target counts, as the endpoint passes such a refusal
 * on; the first refusal if no target reads it (the walk's answer too).
 */
export function firstReadingTarget<T extends { provider: ProviderId }>(targets: readonly T[], translate: (target: T) => ChatRequest): { chat: ChatRequest; target: T } {
  let refused: unknown = null;
  for (const target of targets) {
    const chat = translate(target);
    try {
      fitContentParts(chat, target.provider);
    } catch (err) {
      // Only a refusal of this target's own is passed on to the next one (walk-targets.ts).
      if (!(err instanceof ApiError) || err.code !== 'unsupported_parameter') throw err;
      refused ??= err;
      continue;
    }
    return { chat, target };
  }
  throw refused;
}
