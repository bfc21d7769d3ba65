import type { AppContext } from '../context';
import { UpstreamError } from '../errors/api-error';
import { bearerJsonPost } from '../providers/shared/upstream-call';
import { openUpstream, readBody } from '../proxy/open-upstream';
import type { RequestClock } from '../proxy/request-clock';
import { walkTargets, type Walk } from '../proxy/walk-targets';
import { keepTargets } from '../routing/keep-targets';
import type { RouteDecision } from '../routing/types';
import type { ResponseStore } from './response-store';
import type { ResponsesRequest } from './responses-types';
import { withoutBridgedItems } from './thinking-content';

/** OpenAI's Responses endpoints beside POST /responses that the gateway forwards: a token count, a compaction. */
export type OpenAISidePath = '/responses/input_tokens' | '/responses/compact';

export interface SideCallOptions {
  signal?: AbortSignal;
  clock: RequestClock;
  store: ResponseStore;
  clientId: number | null;
  requestId: string;
}

/**
 * The request forwarded to OpenAI's own `path` over the decision's OpenAI targets (key pools,
 * breakers and fallback as on every call), the client's body as it came but for the concrete model
 * id and the gateway's own items (withoutBridgedItems: a bridged turn's thinking left out, a
 * compaction of ours as its summary). A follow-up (`previous_response_id`) tries the key that made
 * the response first: OpenAI finds it only in that key's project. `read` takes the parsed answer
 * and throws when it is not the endpoint's object: a 200 that is none fails the try, as on
 * /v1/responses. The whole answer arrives within the header timeout, as a non-stream chat answer does.
 */
export function openaiSideCall<T>(
  ctx: AppContext,
  decision: RouteDecision,
  req: ResponsesRequest,
  path: OpenAISidePath,
  read: (json: any, text: string) => T,
  opts: SideCallOptions,
): Promise<Walk<T>> {
  const only = keepTargets(decision, (t) => t.provider === 'openai', 'served by OpenAI') ?? decision;
  const sent = withoutBridgedItems(req);
  const prev = req.previous_response_id;
  const held = typeof prev === 'string' ? opts.store.find(prev, opts.clientId) : null;
  const firstKey = held?.forwarded && held.providerKeyId ? { provider: 'openai' as const, keyId: held.providerKeyId } : null;
  return walkTargets(ctx, only, async (target, settings) => {
    const call = bearerJsonPost(settings, path, { ...sent, model: target.upstreamModel });
    const up = await openUpstream(ctx, target, call, { signal: opts.signal, clock: opts.clock, bodyTimeout: 'header', smallJson: true, apiKey: settings.apiKey });
    const text = await readBody(up, opts.clock);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {}
    return read(json, text);
  }, { signal: opts.signal, firstKey, requestId: opts.requestId });
}

/** A 200 from OpenAI that is not the endpoint's answer: retryable, as a broken answer is. */
export const notSideAnswer = (path: OpenAISidePath, what: string) =>
  new UpstreamError('openai', null, `OpenAI (openai) ${path} answered without ${what}.`, true);
