import type { AppContext } from '../context';
import type { ChatRequest } from '../providers/types';
import { routeChat } from '../proxy/route-chat';
import { bridgedResponse, bridgeRequest, previousNotFound, type BridgedRun } from './bridged-response';
import { loadResponseChain, referencedResponses, refuseOthersItems } from './item-references';
import { classifierCallModel, logRejectedChat } from '../proxy/chat-pipeline';
import { passthroughResponse } from './passthrough-response';
import type { ResponsesCaller, ResponsesRun } from './responses-answer';
import type { EndpointAnswer } from '../proxy/endpoint-types';
import type { ResponsesRequest } from './responses-types';
import type { RouteTarget } from '../routing/types';
import type { EarlierTries } from '../proxy/walk-targets';
import { forwardedProvider, hasNativeResponses, refuseUnsupported, targetsHolding, targetsServing } from './native-responses';
import { newRequestId } from '../proxy/request-id';

export interface CreateResponseOptions extends ResponsesCaller {
  /** The log row's id (the /v1 prelude's, which a limited key's reservation waits on). */
  requestId?: string;
}

/**
 * POST /v1/responses, its body validated by the /v1 prelude (validateResponsesRequest in
 * api/request-validation-responses.ts): route the model like chat (groups included). Targets of a
 * provider with its own Responses API (OpenAI, xAI: native-responses.ts) get the request as is;
 * every other provider goes through the chat bridge. A `previous_response_id` (or an item
 * reference) to a response the gateway stored (a bridged response) keeps the conversation on the
 * bridge even when the follow-up names an OpenAI or xAI model, because that provider has never
 * seen that id; one to a response a provider holds goes only to that provider. A request refused
 * before its upstream call (unknown model or stored response) is logged here, as chat and
 * messages log theirs; the call logs its own row.
 */
export async function createResponse(ctx: AppContext, req: ResponsesRequest, opts: CreateResponseOptions): Promise<EndpointAnswer> {
  const requestId = opts.requestId ?? newRequestId();
  let run: ResponsesRun;
  let bridged: BridgedRun | null = null;
  try {
    const callModel = classifierCallModel(ctx, requestId, opts);
    let decision = targetsServing(await routeChat(ctx, req as unknown as ChatRequest, callModel, opts.signal), req);
    const prev = req.previous_response_id;
    // The stored responses the request continues (`previous_response_id`, item references). On
    // PostgreSQL they are read here (awaited), so the checks below and the bridge find them in memory;
    // read afresh even when cached, since another instance may have deleted them (DELETE /v1/responses/{id}).
    const continued = [...(typeof prev === 'string' ? [prev] : []), ...referencedResponses(req.input)];
    for (const id of continued) await opts.store.load(id, true);
    // Item references into the conversation continued are a replay of it (bridgeRequest): its earlier responses are read too.
    if (typeof prev === 'string' && continued.length > 1) await loadResponseChain(prev, opts.store, opts.clientId);
    // Only a response the gateway holds for this key is continued: OpenAI (xAI) would continue any of the
    // gateway's project for whoever sends its id: another key's, or one the gateway does not answer for
    // (made outside it or with store: false, deleted, past retention). Refused before any upstream sees it.
    if (typeof prev === 'string' && !opts.store.find(prev, opts.clientId)) throw previousNotFound(prev);
    const referred = await refuseOthersItems(req.input, opts.store, opts.clientId);
    // A response a provider holds (continued, or one whose items are referred to): a group goes to that provider's targets.
    const held = (typeof prev === 'string' ? opts.store.find(prev, opts.clientId) : null) ?? referred;
    if (held?.forwarded) decision = targetsHolding(decision, forwardedProvider(held));
    run = { ctx, req, decision, requestId, ...opts };
    if (!goesNative(run, decision.targets)) bridged = bridgeRequest(run);
  } catch (err) {
    logRejectedChat(ctx, err, req, { clientId: opts.clientId, teamId: opts.teamId, clock: opts.clock, endpoint: 'responses', requestId });
    throw err;
  }
  return bridged ? bridgedResponse(run, bridged) : passthroughResponse(run, (rest, earlier) => fallbackTo(run, rest, earlier));
}

/**
 * Whether the request goes to the first target's own Responses API: its provider has one, the
 * request continues no response the gateway bridged (`ours`), and any provider-held response it
 * continues is that provider's (another's goes to the bridge, whose historyOf says why it cannot).
 * Throws the 400 `unsupported_tool` for a built-in tool that provider does not run, and
 * `unsupported_parameter` for `background: true` where it has no background mode (xAI).
 */
function goesNative(run: ResponsesRun, targets: readonly RouteTarget[]): boolean {
  const { req, store, clientId } = run;
  const provider = targets[0]?.provider;
  if (!provider || !hasNativeResponses(provider)) return false;
  const prev = req.previous_response_id;
  const continued = [...(typeof prev === 'string' ? [prev] : []), ...referencedResponses(req.input)];
  if (continued.some((id) => store.get(id, clientId) !== null)) return false;
  const held = typeof prev === 'string' ? store.find(prev, clientId) : null;
  if (held?.forwarded && forwardedProvider(held) !== provider) return false;
  refuseUnsupported(req, provider);
  return true;
}

/**
 * A group's targets after the leading ones of one native provider, once those failed (as chat
 * falls back): to the next target's own Responses API when it has one and can take the request,
 * else through the bridge when the request can be bridged; null when it can go to neither (a
 * built-in tool the rest cannot run, a provider-held response it continues, `background`...): the
 * failure stands.
 */
function fallbackTo(run: ResponsesRun, rest: RouteTarget[], earlier: EarlierTries): Promise<EndpointAnswer> | null {
  const { decision } = run;
  const paths = decision.targetPaths?.slice(decision.targets.length - rest.length);
  const restRun: ResponsesRun = { ...run, decision: { ...decision, targets: rest, path: paths?.[0] ?? decision.path, ...(paths ? { targetPaths: paths } : {}) } };
  let bridged: BridgedRun;
  try {
    if (goesNative(restRun, rest)) return passthroughResponse(restRun, (more, tries) => fallbackTo(restRun, more, tries), earlier);
    bridged = bridgeRequest(restRun);
  } catch {
    return null;
  }
  return bridgedResponse(restRun, bridged, earlier);
}
