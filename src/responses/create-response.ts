import type { AppContext } from '../context';
import { bridgedResponse, bridgeRequest, type BridgedRun } from './bridged-response';
import { logRejectedChat } from '../proxy/chat-pipeline';
import { continuesBridged, routeContinued } from './route-continued';
import { passthroughResponse } from './passthrough-response';
import type { ResponsesCaller, ResponsesRun } from './responses-answer';
import type { EndpointAnswer } from '../proxy/endpoint-types';
import type { ResponsesRequest } from './responses-types';
import type { RouteTarget } from '../routing/types';
import type { EarlierTries } from '../proxy/walk-targets';
import { bridgesCustomTools, forwardedProvider, hasNativeResponses, refuseBuiltInBesideBridgedCustom, refuseUnsupported } from './native-responses';
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
    const decision = await routeContinued(ctx, req, opts, requestId);
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
 * A custom tool that provider's API lacks (xAI's) sends the request to the bridge instead.
 * Throws the 400 `unsupported_tool` for a built-in tool that provider does not run, and
 * `unsupported_parameter` for `background: true` where it has no background mode (xAI).
 */
function goesNative(run: ResponsesRun, targets: readonly RouteTarget[]): boolean {
  const { req, store, clientId } = run;
  const provider = targets[0]?.provider;
  if (!provider || !hasNativeResponses(provider)) return false;
  if (continuesBridged(req, run)) return false;
  const prev = req.previous_response_id;
  const held = typeof prev === 'string' ? store.find(prev, clientId) : null;
  if (held?.forwarded && forwardedProvider(held) !== provider) return false;
  // A custom tool xAI's Responses API lacks: its chat API takes it as a function (a response xAI holds stays with it, refused below).
  if (!held?.forwarded && bridgesCustomTools(provider, req.tools)) {
    refuseBuiltInBesideBridgedCustom(provider, req.tools as unknown[]);
    return false;
  }
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
