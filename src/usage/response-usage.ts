import { normalizeOpenAIUsage } from './openai-usage';
import { normalizeUsage } from './normalize-usage';
import type { ProviderId } from '../providers/types';
import { addOpenAIToolFees } from './openai-tool-fees';
import { serviceTierOf, type Usage } from './types';

/**
 * A Responses object's usage (OpenAI's own or a bridged one) -> canonical Usage, with the
 * processing tier the response says served it (`service_tier` flex or priority, which prices its
 * tokens) and what its built-in tools bill beside the tokens (web searches, file searches, containers, images); null when it has none or its counts are nonsense (negative, strings), so the row is
 * estimated instead. Another provider's own Responses object (xAI's) is read by that provider's
 * normaliser: xAI's usage counts its server-side tool calls and says what it billed.
 */
export function usageFromResponse(response: any, provider: ProviderId = 'openai'): Usage | null {
  if (provider !== 'openai') return normalizeUsage(provider, response?.usage);
  const usage = normalizeOpenAIUsage(response?.usage);
  const tier = serviceTierOf(response?.service_tier);
  if (usage && tier) usage.serviceTier = tier;
  if (usage) addOpenAIToolFees(usage, response);
  return usage;
}

/** The text a Responses answer delivered (messages, refusals, tool-call arguments, reasoning summaries), for an estimate. */
export function responseOutputText(response: any): string {
  let text = '';
  const output = Array.isArray(response?.output) ? response.output : [];
  for (const item of output) {
    if (typeof item?.arguments === 'string') text += item.arguments;
    if (typeof item?.input === 'string') text += item.input;
    for (const part of [...(Array.isArray(item?.content) ? item.content : []), ...(Array.isArray(item?.summary) ? item.summary : [])]) {
      if (typeof part?.text === 'string') text += part.text;
      if (typeof part?.refusal === 'string') text += part.refusal;
    }
  }
  return text;
}
