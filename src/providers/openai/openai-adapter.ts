import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import type { UpstreamBody } from '../openai-compatible/openai-compatible-options';
import { PROVIDER_CATALOG } from '../provider-catalog';
import { searchModelCallUsd } from '../../usage/openai-tool-prices';
import type { Usage } from '../../usage/types';
import { shortenToolCallIds } from './tool-call-id-limit';

/** o1/o3/o4-mini and GPT-5 reasoning models (gpt-5-chat-* is a plain chat model). */
export function isOpenAIReasoningModel(model: string): boolean {
  return /^o\d/i.test(model) || (/^gpt-5/i.test(model) && !/^gpt-5[\w.]*-chat/i.test(model));
}

/**
 * Reasoning models reject `max_tokens` ("use max_completion_tokens instead") and any
 * temperature/top_p other than the default 1, so those are mapped or dropped.
 */
export function reasoningModelParams(body: UpstreamBody): UpstreamBody {
  if (!isOpenAIReasoningModel(String(body.model))) return body;
  if (body.max_tokens != null) {
    body.max_completion_tokens ??= body.max_tokens;
    delete body.max_tokens;
  }
  if (body.temperature != null && body.temperature !== 1) delete body.temperature;
  if (body.top_p != null && body.top_p !== 1) delete body.top_p;
  return body;
}

/**
 * OpenAI's search models (gpt-4o-search-preview, gpt-5-search-api...) search the web once per
 * chat request and bill the call beside the tokens; their answer counts no searches (only its
 * url_citation annotations show them), so each answer bills one (searchModelCallUsd).
 */
export function addSearchModelFee(usage: Usage, model: string): void {
  const fee = searchModelCallUsd(model);
  if (fee === undefined) return;
  usage.webSearches = 1;
  usage.webSearchUsd = fee;
}

export const openaiAdapter = createOpenAICompatibleAdapter({
  id: 'openai',
  defaultBaseUrl: PROVIDER_CATALOG.openai.defaultBaseUrl,
  transformRequestBody: (body) => shortenToolCallIds(reasoningModelParams(body)),
  addFees: addSearchModelFee,
});
