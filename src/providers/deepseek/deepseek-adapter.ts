import { badRequest } from '../../errors/api-error';
import { PROVIDER_CATALOG } from '../provider-catalog';
import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import {
  completionTokensToMaxTokens,
  developerToSystem,
  hasSystemMessage,
} from '../openai-compatible/message-quirks';
import type { ProviderAdapter, UpstreamBody } from '../types';
import {
  byCallId,
  fillReasoningContent,
  reasoningStreamHook,
  rememberResponseReasoning,
  thinkingSwitch,
} from '../openai-compatible/reasoning-quirk';
import type { ReasoningStore } from '../openai-compatible/reasoning-memory';
import { fitContentParts } from '../shared/content-parts';
import { deepseekBetaBaseUrl } from './deepseek-beta-url';
import { deepseekOutputLimit } from './deepseek-output-limit';
import { forcedToolWithoutThinking } from '../openai-compatible/forced-tool-thinking';
import { effortNoneAsThinkingOff } from '../openai-compatible/effort-none-thinking-off';
import { refuseAudioOutput, refuseSeveralChoices, refuseWebSearchOptions } from '../shared/unsupported-params';

export const DEEPSEEK_DEFAULT_SYSTEM = 'Always respond in English.';

/**
 * DeepSeek's JSON mode is `response_format: {type: "json_object"}` only: `json_schema` (what the
 * SDKs' structured-output helpers send) is its 400 "This response_format type is unavailable
 * now". Refused before the call with OpenAI's error naming the field, as /v1/messages refuses
 * `output_config.format`, rather than loosened to json_object (JSON that need not match the schema).
 */
export function refuseJsonSchema(body: UpstreamBody): void {
  if (body.response_format?.type !== 'json_schema') return;
  throw badRequest(
    "Structured output with a JSON schema (response_format json_schema; text.format on /v1/responses) is not supported by provider 'deepseek': its JSON mode is {type: 'json_object'}.",
    'response_format',
    'unsupported_parameter',
  );
}

/**
 * Whether DeepSeek answers `body` in thinking mode: deepseek-reasoner always; the V4 models
 * (deepseek-v4-flash, deepseek-v4-pro) unless `thinking: {type: "disabled"}`; deepseek-chat only
 * with `thinking: {type: "enabled"}`.
 */
function deepseekThinks(body: UpstreamBody): boolean {
  const model = String(body.model);
  if (deepseekAlwaysThinks(model)) return true;
  return thinkingSwitch(body) ?? /^deepseek-v4/i.test(model);
}

/**
 * DeepSeek's thinking mode refuses `logprobs` and `top_logprobs` ("Setting logprobs, top_logprobs
 * will trigger an error", its reasoning model guide) with a 400 of its own a group cannot walk past:
 * refused before the call by name. `logprobs: false` asks for nothing and goes on.
 */
function refuseLogprobsWhenThinking(body: UpstreamBody): void {
  const param = body.logprobs === true ? 'logprobs' : body.top_logprobs != null ? 'top_logprobs' : null;
  if (!param || !deepseekThinks(body)) return;
  throw badRequest(
    `${param} is not supported by '${String(body.model)}' in thinking mode (DeepSeek's thinking mode returns no log probabilities; deepseek-chat, or a V4 model with thinking: {type: 'disabled'}, takes it).`,
    param,
    'unsupported_parameter',
  );
}

/** deepseek-reasoner always thinks; deepseek-chat and the V4 models switch with `thinking`. */
export const deepseekAlwaysThinks = (model: string): boolean => /^deepseek-reasoner/i.test(model);

/**
 * DeepSeek quirks on the way up:
 * - response_format json_schema, n > 1, audio output, web_search_options and content parts other than
 *   text are refused (above and shared/unsupported-params.ts), but for
 *   a tool result's images and documents, which become a placeholder;
 * - without a system prompt its models drift into Chinese, so one is injected (a client's own
 *   system prompt is left alone);
 * - in thinking mode an assistant turn that made tool calls must carry its `reasoning_content`
 *   back, and so must the answer after its tool results (V4); a client's own is forwarded as is,
 *   and one that dropped it (OpenAI SDKs rebuild messages from typed fields) gets the one the
 *   gateway remembered by tool call id (or by the tool result the answer followed), and one it
 *   holds none for (another model made that turn) an empty one, which DeepSeek takes;
 * - `reasoning_effort: "none"` is thinking off (or deepseek-reasoner's 400: effort-none-thinking-off.ts);
 * - a forced tool call goes without thinking (or, from deepseek-reasoner, is refused: forced-tool-thinking.ts);
 * - logprobs in thinking mode are refused (above);
 * - only `max_tokens` is read.
 */
export function deepseekRequest(body: UpstreamBody, memory?: ReasoningStore): UpstreamBody | Promise<UpstreamBody> {
  refuseJsonSchema(body);
  // Its API "only supports n = 1" (deepseek-ai/DeepSeek-V2#55, DeepSeek-V3#291).
  refuseSeveralChoices(body, 'deepseek', 'its models make one choice a request');
  refuseAudioOutput(body, 'deepseek');
  refuseWebSearchOptions(body, 'deepseek', 'its API does not search the web');
  fitContentParts(body, 'deepseek');
  developerToSystem(body);
  completionTokensToMaxTokens(body);
  // It has no effort `none` (low/high/max; its own Responses format reads `none` as thinking off:
  // api-docs.deepseek.com/guides/thinking_mode).
  effortNoneAsThinkingOff(body, deepseekAlwaysThinks(String(body.model)), 'deepseek-chat, or a V4 model,');
  // Its 400 "Thinking mode does not support this tool_choice" (deepseek-ai/DeepSeek-V3#1376).
  forcedToolWithoutThinking(body, deepseekThinks(body), deepseekAlwaysThinks(String(body.model)), 'DeepSeek');
  refuseLogprobsWhenThinking(body);
  const filling = fillReasoningContent(body, memory, byCallId, deepseekThinks(body));
  const finish = () => {
    if (Array.isArray(body.messages) && !hasSystemMessage(body)) {
      body.messages = [{ role: 'system', content: DEEPSEEK_DEFAULT_SYSTEM }, ...body.messages];
    }
    return body;
  };
  return filling ? filling.then(finish) : finish();
}

/**
 * Usage: prompt_tokens includes prompt_cache_hit_tokens (see src/usage/deepseek-usage.ts). Output:
 * deepseek-chat's limit in thinking mode is the thinking mode's (deepseek-output-limit.ts).
 */
export const deepseekAdapter: ProviderAdapter = {
  ...createOpenAICompatibleAdapter({
    id: 'deepseek',
    defaultBaseUrl: PROVIDER_CATALOG.deepseek.defaultBaseUrl,
    // Chat Prefix Completion (beta): `prefix: true` on the final assistant message, at the beta base URL.
    prefill: { flag: 'prefix', baseUrl: deepseekBetaBaseUrl },
    transformRequestBody: (body, info) => deepseekRequest(body, info.ctx.reasoning ?? info.deps.reasoning),
    // Reasoning of tool-calling turns is remembered on the way down (see reasoning-quirk.ts), in the app's memory.
    transformResponse: (body, ctx) => rememberResponseReasoning(body, ctx?.reasoning, byCallId, ctx?.followsToolCall),
    streamChunkHook: (ctx) => reasoningStreamHook(ctx.reasoning, byCallId, ctx.followsToolCall),
    // DeepSeek's docs: "the request is interrupted due to insufficient resource of the inference system".
    unfinishedReasons: ['insufficient_system_resource'],
  }),
  outputLimit: deepseekOutputLimit,
};
