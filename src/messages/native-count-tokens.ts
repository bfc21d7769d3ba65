import { keepTargets } from '../routing/keep-targets';
import type { AppContext } from '../context';
import { UpstreamError } from '../errors/api-error';
import { PROVIDER_CATALOG } from '../providers/provider-catalog';
import { inlineRemoteImages, nativeMessagesCall } from '../providers/anthropic/native-messages';
import { walkTargets } from '../proxy/walk-targets';
import { openUpstream, readBody } from '../proxy/open-upstream';
import type { RequestClock } from '../proxy/request-clock';
import type { RouteDecision } from '../routing';
import type { NativeCount } from './count-tokens';

/**
 * count_tokens for a model on the `anthropic` provider: Anthropic's own
 * POST /v1/messages/count_tokens with the client's body (model set to the upstream id) and its
 * anthropic-version / anthropic-beta headers. Only a decision whose first target is Anthropic is
 * counted there, over its Anthropic targets (key pools and breakers as on every call); others get
 * null (the tokenizer estimate).
 */
export function anthropicCount(ctx: AppContext, clock: RequestClock, clientHeaders: Record<string, string>): NativeCount {
  return (decision: RouteDecision, body: unknown, signal?: AbortSignal) => {
    if (decision.targets[0]?.provider !== 'anthropic') return null;
    const deps = ctx.adapterDeps;
    const only = keepTargets(decision, (t) => t.provider === 'anthropic', 'counted by Anthropic')!;
    // Anthropic limits token counting apart from messages: a 429 here must not rest the key for the model's messages.
    return walkTargets(ctx, only, async (target, settings) => {
      const call = nativeMessagesCall(await inlineRemoteImages(body, deps), target.upstreamModel, settings, PROVIDER_CATALOG.anthropic.defaultBaseUrl, clientHeaders, '/v1/messages/count_tokens');
      const up = await openUpstream(ctx, target, call, { signal, clock, bodyTimeout: 'header', smallJson: true, apiKey: settings.apiKey });
      const text = await readBody(up, clock);
      let n: unknown;
      try {
        n = JSON.parse(text)?.input_tokens;
      } catch {}
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new UpstreamError('anthropic', null, 'Anthropic (anthropic) count_tokens answered without input_tokens.', true);
      return n;
    }, { signal, keyScope: 'count_tokens' });
  };
}
