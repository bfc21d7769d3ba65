import { normalizeOpenAIUsage } from '../usage/openai-usage';
import type { Usage } from '../usage/types';

/**
 * A Responses `usage` object (OpenAI's own or a bridged one) -> canonical Usage; null when it has
 * none or its counts are nonsense (negative, strings), so the row is estimated instead.
 */
export function usageFromResponse(u: unknown): Usage | null {
  return normalizeOpenAIUsage(u);
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
