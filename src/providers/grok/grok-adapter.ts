import { badRequest } from '../../errors/api-error';
import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import { developerToSystem, emptyTextOnToolCalls } from '../openai-compatible/message-quirks';
import type { UpstreamBody } from '../types';
import { PROVIDER_CATALOG } from '../provider-catalog';
import { refuseAudioOutput } from '../shared/unsupported-params';
import { fitContentParts } from '../shared/content-parts';

/** xAI's reasoning models: grok-3-mini, grok-4 and later (grok-4.3, grok-4-1-fast-reasoning...), grok-code-fast; not the *-non-reasoning ones. */
export function isGrokReasoningModel(model: string): boolean {
  return /^grok-(?:3-mini|[4-9]|code)/i.test(model) && !/non-reasoning/i.test(model);
}

/**
 * The Grok models with an effort dial and the efforts each takes (docs.x.ai, reasoning): grok-3-mini
 * `low` and `high` only, grok-4.3 `none` to `high`, grok-4.20-multi-agent `low` to `xhigh` (its
 * agent count). The others refuse `reasoning_effort`.
 */
const EFFORT_DIALS: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^grok-3-mini/i, ['low', 'high']],
  [/^grok-4\.3/i, ['none', 'low', 'medium', 'high']],
  [/^grok-4\.20-multi-agent/i, ['low', 'medium', 'high', 'xhigh']],
];
const EFFORT_SCALE = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

/**
 * The effort `model` is sent for the one asked: as asked when the model takes it, else the nearest
 * it takes, the higher on a tie (grok-3-mini's `medium` goes as `high`, `minimal` as `low`), so xAI's
 * 400 for a value the model lacks is not met; undefined for a model without a dial (left out). A
 * value off OpenAI's scale goes as sent, for xAI to judge.
 */
export function grokEffort(model: string, effort: unknown): unknown {
  const accepted = EFFORT_DIALS.find(([re]) => re.test(model))?.[1];
  if (!accepted) return undefined;
  const at = EFFORT_SCALE.indexOf(effort as string);
  if (accepted.includes(effort as string) || at < 0) return effort;
  const distance = (e: string) => Math.abs(EFFORT_SCALE.indexOf(e) - at) - (EFFORT_SCALE.indexOf(e) > at ? 0.5 : 0);
  return accepted.reduce((best, e) => (distance(e) < distance(best) ? e : best));
}

/**
 * xAI on the way up. Its reasoning models refuse presencePenalty, frequencyPenalty and stop ("not
 * supported by reasoning models. Adding them in the request would result in an error"), and all
 * but those with an effort dial refuse reasoning_effort ("Model grok-4 does not support parameter
 * reasoningEffort"). The penalties and the effort are hints the model reasons well without: left
 * out, as temperature is for OpenAI's reasoning models; an effort a dial lacks goes as its nearest (grokEffort). A stop sequence changes the answer, so it
 * is refused by name before the call (a group moves on to its next target), as is audio output
 * (shared/unsupported-params.ts): xAI's chat answers in text only. It reads text and images: an
 * `input_audio` or `file` part is refused, a tool result's document becomes a placeholder
 * (shared/content-parts.ts). An assistant message that made calls without content (the AI SDK's
 * `content: null`) goes with `content: ""`: xAI refuses it without (message-quirks.ts).
 */
export function grokRequest(body: UpstreamBody): UpstreamBody {
  refuseAudioOutput(body, 'grok');
  const model = String(body.model);
  fitContentParts(body, 'grok');
  developerToSystem(body);
  emptyTextOnToolCalls(body);
  if (body.reasoning_effort != null) {
    const effort = grokEffort(model, body.reasoning_effort);
    if (effort === undefined) delete body.reasoning_effort;
    else body.reasoning_effort = effort;
  }
  if (!isGrokReasoningModel(model)) return body;
  delete body.presence_penalty;
  delete body.frequency_penalty;
  if (body.stop == null || (Array.isArray(body.stop) && body.stop.length === 0)) delete body.stop;
  else throw badRequest(`Model '${model}' is an xAI reasoning model, which does not support stop sequences.`, 'stop', 'unsupported_parameter');
  return body;
}

/**
 * xAI: its `completion_tokens` EXCLUDES reasoning tokens; normalizeGrokUsage (src/usage) adds them
 * back, and the base rewrites the usage clients see to OpenAI's convention from that.
 */
export const grokAdapter = createOpenAICompatibleAdapter({
  id: 'grok',
  defaultBaseUrl: PROVIDER_CATALOG.grok.defaultBaseUrl,
  transformRequestBody: grokRequest,
});
