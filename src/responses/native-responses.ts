import { badRequest } from '../errors/api-error';
import { isCachedWebSearch } from './map-tools';
import { PROVIDER_CATALOG, providerName } from '../providers/provider-catalog';
import type { ProviderId } from '../providers/types';
import type { RouteDecision, RouteTarget } from '../routing/types';
import { grokEffort } from '../providers/grok/grok-adapter';
import type { ResponsesRequest } from './responses-types';
import { upstreamResponseId } from './xai-response-ids';
import { shownValue } from '../errors/shown-value';
import { namesProjectObject } from './request-to-chat';

/** The catalog's facts about a provider's own Responses API (provider-catalog.ts), read by any provider name. */
interface ResponsesFacts {
  name: string;
  nativeResponses?: boolean;
  responsesTools?: readonly string[];
  responsesToolsOpen?: boolean;
  responsesBackground?: boolean;
  responsesProjectObjects?: boolean;
}
const RESPONSES_FACTS: Readonly<Record<string, ResponsesFacts>> = PROVIDER_CATALOG;
const responsesFacts = (provider: string): ResponsesFacts | undefined => RESPONSES_FACTS[provider];

/**
 * The providers whose own Responses API takes `/v1/responses` as it is (OpenAI, xAI): their
 * catalog's `nativeResponses`. Every other provider is bridged onto chat.
 */
export function hasNativeResponses(provider: string | undefined): boolean {
  return provider !== undefined && responsesFacts(provider)?.nativeResponses === true;
}

/**
 * The leading targets one native pass-through walk tries: those of the first target's provider
 * (a response lives with the provider that made it, and each provider runs its own built-in tools).
 */
export function leadingSameProvider(targets: readonly RouteTarget[]): RouteTarget[] {
  const first = targets[0]?.provider;
  const end = targets.findIndex((t) => t.provider !== first);
  return targets.slice(0, end < 0 ? targets.length : Math.max(1, end));
}

/**
 * A built-in tool the provider's Responses API does not run (its catalog's `responsesTools`) is
 * refused before any call with the bridge's 400 `unsupported_tool`, naming it: xAI would answer an
 * opaque 400 for `image_generation` or `computer_use_preview`, OpenAI for `x_search`.
 */
function refuseForeignTools(tools: unknown, provider: ProviderId): void {
  const known = responsesFacts(provider)?.responsesTools;
  if (!known || !Array.isArray(tools)) return;
  tools.forEach((tool, i) => {
    const type = (tool as { type?: unknown } | null)?.type;
    if (type === 'function' || runsTool(provider, type)) return;
    throw badRequest(
      `The built-in tool '${shownValue(type)}' is not supported by provider '${provider}'; its Responses API runs function tools and ${known.join(', ')}.`,
      `tools[${i}]`,
      'unsupported_tool',
    );
  });
}

/** Every built-in tool type some provider's catalog lists as its own. */
const LISTED_TOOLS: ReadonlySet<string> = new Set(Object.values(RESPONSES_FACTS).flatMap((p) => p.responsesTools ?? []));

/**
 * Whether the provider's own Responses API runs the built-in tool `type`: one its catalog lists;
 * with `responsesToolsOpen` (OpenAI, which adds tool types often) also one no provider lists, which
 * goes up for the provider to judge; so only another provider's own tool (xAI's `x_search` for
 * OpenAI) is foreign to it.
 */
function runsTool(provider: ProviderId, type: unknown): boolean {
  const facts = responsesFacts(provider);
  const known = facts?.responsesTools;
  if (!known) return true;
  if (typeof type !== 'string') return false;
  return known.includes(type) || (facts.responsesToolsOpen === true && !LISTED_TOOLS.has(type));
}

/**
 * Whether the request gives a custom (freeform) tool that the provider's own Responses API does
 * not take (xAI's runs function tools and its own only): it goes through the bridge then, whose
 * chat call gives it as a function (providers/shared/custom-tools.ts), rather than a 400.
 */
export function bridgesCustomTools(provider: ProviderId, tools: unknown): boolean {
  return Array.isArray(tools) && !runsTool(provider, 'custom') && tools.some((t) => (t as { type?: unknown } | null)?.type === 'custom');
}

/**
 * A request whose custom tool sends it through the bridge (bridgesCustomTools) but which also gives
 * a built-in tool the provider runs: the 400 `unsupported_tool` naming both and why, where the bridge's own refusal
 * would say the provider runs function tools only, while its Responses API runs that tool (Codex CLI
 * sends its `web_search` beside its freeform `apply_patch` by default; on a Grok model it is one or the other).
 */
export function refuseBuiltInBesideBridgedCustom(provider: ProviderId, tools: readonly unknown[]): void {
  // One the provider does not run at all: its own refusal, naming what it runs (the custom tools read as functions, keeping indices).
  refuseForeignTools(tools.map((t) => ((t as { type?: unknown } | null)?.type === 'custom' ? { type: 'function' } : t)), provider);
  // A web search of OpenAI's cache only is left out by the bridge (map-tools.ts isCachedWebSearch), not refused.
  const i = tools.findIndex((t) => { const type = (t as { type?: unknown } | null)?.type; return type !== 'function' && type !== 'custom' && !isCachedWebSearch(t); });
  if (i < 0) return;
  const builtIn = shownValue((tools[i] as { type?: unknown }).type);
  const custom = shownValue((tools.find((t) => (t as { type?: unknown } | null)?.type === 'custom') as { name?: unknown }).name);
  const name = providerName(provider);
  throw badRequest(
    `The built-in tool '${builtIn}' cannot be used together with the custom tool '${custom}' on provider '${provider}': ${name}'s Responses API, which runs '${builtIn}', runs no custom tools, and its chat API, which takes custom tools as functions, runs no built-in tools. Send the request with one or the other.`,
    `tools[${i}]`,
    'unsupported_tool',
  );
}

/**
 * Whether the provider takes the request's `background: true`: a bridged one does (the gateway runs
 * it), a native one unless its catalog says `responsesBackground: false` (xAI's Responses API
 * documents background mode as unsupported).
 */
function takesBackground(provider: ProviderId, background: unknown): boolean {
  return background !== true || !hasNativeResponses(provider) || responsesFacts(provider)?.responsesBackground !== false;
}

/**
 * What the provider's own Responses API cannot take, refused before any call (a 400 in OpenAI's
 * shape, not the provider's opaque one): a built-in tool it does not run (refuseForeignTools), and
 * `background: true` where it has no background mode (xAI), the 400 `unsupported_parameter`.
 */
export function refuseUnsupported(req: ResponsesRequest, provider: ProviderId): void {
  refuseForeignTools(req.tools, provider);
  if (takesBackground(provider, req.background)) return;
  const name = providerName(provider);
  throw badRequest(
    `Background mode is not supported by provider '${provider}': ${name}'s Responses API does not run responses in the background. Send the request without 'background', or to a model of another provider.`,
    'background',
    'unsupported_parameter',
  );
}

/** The provider holding a forwarded (passed-through) response: rows from before the provider was kept are OpenAI's. */
export function forwardedProvider(entry: { provider?: string | null }): ProviderId {
  return (entry.provider ?? 'openai') as ProviderId;
}

/** Whether the provider's own Responses API runs every built-in tool of the request (none named: yes). */
function runsTools(provider: ProviderId, tools: unknown): boolean {
  if (!Array.isArray(tools)) return true;
  // Custom tools go as functions to a provider without them (providers/shared/custom-tools.ts): every one takes them.
  const builtIn = tools.map((t) => (t as { type?: unknown } | null)?.type).filter((type) => type !== 'function' && type !== 'custom');
  if (builtIn.length === 0) return true;
  if (!hasNativeResponses(provider)) return false;
  return builtIn.every((type) => runsTool(provider, type));
}

/**
 * Whether the provider can read the `conversation` or `prompt` template the request names: objects
 * kept in OpenAI's project (its catalog's `responsesProjectObjects`); none named: every provider.
 */
function readsProjectObjects(provider: ProviderId, req: { conversation?: unknown; prompt?: unknown }): boolean {
  return (!namesProjectObject(req.conversation) && !namesProjectObject(req.prompt)) || responsesFacts(provider)?.responsesProjectObjects === true;
}

/**
 * A request goes only to the decision's targets that can serve it: that run its built-in tools (a
 * group whose heuristic put DeepSeek before Grok, for `x_search`, is answered by Grok), take its
 * `background: true` (a group of Grok and OpenAI goes to OpenAI) and read the `conversation` or
 * `prompt` template it names (OpenAI's), as a group skips the targets that cannot take an image
 * request's `n`. When none can, the decision stays whole and its first target's refusal (the 400
 * `unsupported_tool` or `unsupported_parameter`) is the answer.
 */
export function targetsServing(decision: RouteDecision, req: { tools?: unknown; background?: unknown; conversation?: unknown; prompt?: unknown }): RouteDecision {
  // Most requests name none of these: every target serves them, nothing to build.
  if (!Array.isArray(req.tools) && req.background !== true && !namesProjectObject(req.conversation) && !namesProjectObject(req.prompt)) return decision;
  return keepTargets(
    decision,
    decision.targets.map((t) => runsTools(t.provider, req.tools) && takesBackground(t.provider, req.background) && readsProjectObjects(t.provider, req)),
  );
}

/**
 * A `previous_response_id` to a response a provider holds (OpenAI's, xAI's: the gateway keeps only
 * who made it) can be continued only by that provider's models: a group goes to its targets of
 * that provider, whichever its strategy put first (another provider would answer the 400 saying
 * who holds it, though the group could continue it). None of them: the decision stays whole, and
 * that 400 is the answer, before any call.
 */
export function targetsHolding(decision: RouteDecision, holder: ProviderId): RouteDecision {
  return keepTargets(decision, decision.targets.map((t) => t.provider === holder));
}

/** The decision with only the targets `keep` marks (their paths too); whole when it marks all or none. */
function keepTargets(decision: RouteDecision, keep: boolean[]): RouteDecision {
  if (keep.every(Boolean) || !keep.some(Boolean)) return decision;
  const targets = decision.targets.filter((_, i) => keep[i]);
  const paths = decision.targetPaths?.filter((_, i) => keep[i]);
  return { ...decision, targets, ...(paths ? { targetPaths: paths, path: paths[0] ?? decision.path } : {}) };
}

/**
 * The request as a provider's own Responses API takes it. xAI refuses `reasoning.effort` on the Grok
 * models without an effort dial ("Model grok-4-fast-reasoning does not support parameter
 * reasoningEffort", a 400 on its Responses API as on chat) while they reason anyway: the effort is
 * left out there, as the chat adapter leaves out `reasoning_effort` (grokRequest; an effort a dial lacks
 * goes as its nearest: grokEffort), and the rest of
 * `reasoning` (its `summary`) goes on. A `previous_response_id` goes to xAI as its own id
 * (upstreamResponseId). Otherwise the request as the client sent it.
 */
export function nativeRequestFor(req: ResponsesRequest, target: RouteTarget): ResponsesRequest {
  if (target.provider !== 'grok') return req;
  let out = req;
  const prev = req.previous_response_id;
  // The id the client was given (`resp_…`) is xAI's own without the prefix (xai-response-ids.ts).
  if (typeof prev === 'string' && upstreamResponseId('grok', prev) !== prev) out = { ...out, previous_response_id: upstreamResponseId('grok', prev) };
  const reasoning = req.reasoning as { effort?: unknown } | null | undefined;
  if (reasoning?.effort == null) return out;
  const effort = grokEffort(target.upstreamModel, reasoning.effort);
  if (effort === reasoning.effort) return out;
  const { effort: _effort, ...rest } = reasoning;
  return { ...out, reasoning: effort === undefined ? rest : { ...rest, effort } } as ResponsesRequest;
}
