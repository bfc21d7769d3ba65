import { deepseekOutputLimit } from '../providers/deepseek/deepseek-output-limit';
import type { LimitedEndpoint } from './limit-types';
import type { WorstPrices } from './worst-prices';

/**
 * The output limit a request's reservation is held to: its models' (WorstPrices.maxOutputTokens), or,
 * where a DeepSeek model may answer it in thinking mode, that mode's larger one, which the gateway then
 * sends a max_tokens up to (providers/deepseek/deepseek-output-limit.ts). /v1/messages asks for
 * thinking with Anthropic's `thinking` (`enabled` or `adaptive`, both sent on as DeepSeek's switch);
 * its tool_choice is Anthropic's, so a forced call there reserves for thinking too (more, never less).
 */
export function modelOutputLimit(endpoint: LimitedEndpoint, body: Record<string, unknown>, prices: WorstPrices): number | null | undefined {
  if (!prices.deepseek || !prices.maxOutputTokens) return prices.maxOutputTokens;
  if (endpoint !== 'messages') return deepseekOutputLimit(body, prices.maxOutputTokens);
  const type = (body.thinking as { type?: unknown } | null | undefined)?.type;
  return deepseekOutputLimit({ thinking: { type: type === 'enabled' || type === 'adaptive' ? 'enabled' : type } }, prices.maxOutputTokens);
}
