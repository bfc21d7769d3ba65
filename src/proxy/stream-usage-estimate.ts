import type { ChatRequest, ProviderId, StreamTally } from '../providers/types';
import type { TokenCounter } from '../usage/token-counter';
import { toOpenAIUsage, type Usage } from '../usage/types';
import { estimateDelivered } from './request-outcome';
import { chunkHead } from '../providers/openai-compatible/stream-finish';

/**
 * OpenAI's usage-only last chunk (`choices: []`) for a stream that finished owing its client usage
 * (StreamTally.usageOwed: it asked for include_usage, the upstream sent none, or none usable), with
 * the estimate of prompt + delivered text, as a non-stream answer without usage carries it
 * (api/chat-routes.ts). The estimate is put on the tally, so the row bills these very numbers
 * rather than counting again. Null when counting failed: the stream ends without it, and the row
 * makes its own estimate. `provider`: the target's, so the estimate is the one the row would make
 * (Kimi's `$web_search` content billed as prompt tokens).
 */
export async function estimatedUsageChunk(chat: ChatRequest, tally: StreamTally, counter: TokenCounter, provider?: ProviderId): Promise<string | null> {
  const envelope = tally.usageOwed!;
  let usage: Usage;
  try {
    usage = await estimateDelivered(chat, { usage: null, text: tally.deliveredText, chars: tally.deliveredChars, billExtras: tally.billExtras }, counter, provider);
  } catch {
    return null;
  }
  tally.usage = usage;
  const chunk = chunkHead(envelope);
  chunk.choices = [];
  chunk.usage = toOpenAIUsage(usage);
  return JSON.stringify(chunk);
}
