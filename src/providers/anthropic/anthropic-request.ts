import { badRequest } from '../../errors/api-error';
import type { AdapterDeps, ChatCallContext, ChatRequest } from '../types';
import { adaptiveEffort, isAdaptiveOnly, planTokens, thinkingBudget } from './anthropic-limits';
import { cacheControlOf } from './anthropic-content';
import { convertMessages } from './anthropic-messages';
import { sampling, stopSequences } from './anthropic-sampling';
import { convertTools } from './anthropic-tools';
import { applyJsonOutput } from './json-output';
import { hasLogitBias } from '../shared/unsupported-params';
import type { AnthropicRequest } from './anthropic-wire';

/**
 * OpenAI chat parameters Anthropic has no way to honour: refused with a 400 naming them rather
 * than silently dropped, since the client would get something other than what it asked for.
 * (seed, service_tier, store, metadata, stream_options and the like change nothing the client
 * sees in the answer and are dropped; response_format is json-output.ts.)
 */
function refuseUnsupported(r: Record<string, any>): void {
  const refuse = (param: string, what: string) => {
    throw badRequest(`Anthropic models do not support ${what}.`, param, 'unsupported_parameter');
  };
  if (typeof r.n === 'number' && r.n !== 1) refuse('n', 'n > 1 (several choices per request)');
  if (r.logprobs === true) refuse('logprobs', 'logprobs');
  if (r.top_logprobs != null) refuse('top_logprobs', 'top_logprobs');
  if (hasLogitBias(r.logit_bias)) refuse('logit_bias', 'logit_bias');
  if (typeof r.presence_penalty === 'number' && r.presence_penalty !== 0) refuse('presence_penalty', 'presence_penalty');
  if (typeof r.frequency_penalty === 'number' && r.frequency_penalty !== 0) refuse('frequency_penalty', 'frequency_penalty');
  if (r.audio != null || (Array.isArray(r.modalities) && r.modalities.includes('audio'))) refuse('modalities', 'audio output');
  if (r.prediction != null) refuse('prediction', 'predicted outputs');
  if (r.web_search_options != null) refuse('web_search_options', 'web_search_options');
  if (Array.isArray(r.functions) || r.function_call != null) refuse('functions', 'the deprecated functions/function_call (use tools)');
  if (typeof r.temperature === 'number' && r.temperature > 1) {
    throw badRequest('Anthropic models take a temperature between 0 and 1.', 'temperature', 'unsupported_parameter');
  }
}

/**
 * OpenAI chat request -> Anthropic Messages body. Pure apart from downloading remote images
 * through `deps.fetchImage`.
 *
 * Thinking: `reasoning_effort` sets a budget (see anthropic-limits.ts; on Claude Opus 4.7 and later,
 * adaptive thinking at that effort, the budget sizing max_tokens only); a `thinking` object sent
 * by a client that knows Anthropic is passed as it is. When the last assistant turn called tools
 * but its thinking blocks were not given back, or the conversation ends in an assistant turn (a
 * prefill to continue) without them, thinking is left off for this request: Anthropic refuses a
 * thinking request whose tool-use turn or final assistant turn does not start with its thinking,
 * and an answer without thinking is better than a 400 the client cannot fix. A forced tool (tool_choice `required` or a named
 * function) is sent without thinking too: Anthropic's extended thinking takes only tool_choice
 * auto/none, and the forced call (structured output, an agent's step) is what the client is
 * after; the thinking is the part it can do without.
 */
export async function buildAnthropicRequest(
  req: ChatRequest,
  ctx: ChatCallContext,
  deps: AdapterDeps,
  signal?: AbortSignal,
): Promise<AnthropicRequest> {
  const r = req as Record<string, any>;
  refuseUnsupported(r);
  const { system, messages, lastTurnLacksThinking } = await convertMessages(r.messages, { deps, signal });
  const tools = convertTools(r.tools, r.tool_choice, r.parallel_tool_calls);
  const forcedTool = tools.tool_choice?.type === 'any' || tools.tool_choice?.type === 'tool';
  const noThinking = lastTurnLacksThinking || forcedTool;
  const clientMax = r.max_completion_tokens ?? r.max_tokens;
  if (clientMax != null && (typeof clientMax !== 'number' || !Number.isSafeInteger(clientMax) || clientMax < 1)) {
    throw badRequest('max_tokens must be a positive integer.', r.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens');
  }
  const explicitThinking = r.thinking && typeof r.thinking === 'object' ? (r.thinking as Record<string, unknown>) : null;
  const effortBudget = thinkingBudget(r.reasoning_effort);
  const budget = explicitThinking || noThinking ? null : effortBudget;
  const plan = planTokens(ctx.model, clientMax ?? undefined, budget, ctx.maxOutputTokens);

  const body: AnthropicRequest = { model: ctx.model, max_tokens: plan.maxTokens, messages };
  if (system) body.system = system;
  const stop = stopSequences(r.stop);
  if (stop) body.stop_sequences = stop;
  if (explicitThinking && !noThinking) body.thinking = explicitThinking;
  else if (plan.budget && isAdaptiveOnly(ctx.model)) {
    // The budget still sizes max_tokens (thinking counts inside it); the effort is what is sent.
    body.thinking = { type: 'adaptive' };
    body.output_config = { effort: adaptiveEffort(r.reasoning_effort) };
  } else if (plan.budget) body.thinking = { type: 'enabled', budget_tokens: plan.budget };
  Object.assign(body, sampling(ctx.model, r, !!body.thinking && body.thinking.type !== 'disabled'));
  Object.assign(body, tools);
  applyJsonOutput(body, r.response_format);
  // Anthropic's automatic caching: a top-level `cache_control` puts the breakpoint on the last
  // cacheable block itself (and moves it as the conversation grows); an extra field here as on parts.
  const cache = cacheControlOf(r);
  if (cache) body.cache_control = cache;
  const user = typeof r.user === 'string' && r.user ? r.user : typeof r.safety_identifier === 'string' ? r.safety_identifier : '';
  if (user) body.metadata = { user_id: user };
  if (ctx.stream) body.stream = true;
  return body;
}
