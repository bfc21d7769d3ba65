import type { AppContext } from '../context';
import type { ChatRequest } from '../providers/types';
import { badRequest } from '../errors/api-error';
import { ID_CHARS, shownValue } from '../errors/shown-value';
import { providerName } from '../providers/provider-catalog';
import { classifierCallModel } from '../proxy/chat-pipeline';
import { routeChat } from '../proxy/route-chat';
import type { RouteDecision } from '../routing/types';
import { previousNotFound } from './bridged-response';
import { loadResponseChain, referencedResponses, refuseOthersItems } from './item-references';
import { forwardedProvider, targetsHolding, targetsServing } from './native-responses';
import type { ResponsesCaller } from './responses-answer';
import type { ResponsesRequest } from './responses-types';

/**
 * The route of a Responses request (POST /v1/responses and its input_tokens and compact): the model
 * routed like chat (groups included), kept to the targets that can serve the request
 * (targetsServing), and the stored responses it continues (`previous_response_id`, item references)
 * checked before any upstream sees them. On PostgreSQL they are read here (awaited), so the checks
 * and the bridge find them in memory; read afresh even when cached, since another instance may have
 * deleted them (DELETE /v1/responses/{id}). Only a response the gateway holds for this key is
 * continued: OpenAI (xAI) would continue any of the gateway's project for whoever sends its id:
 * another key's, or one the gateway does not answer for (made outside it or with store: false,
 * deleted, past retention). A response a provider holds (continued, or one whose items are referred
 * to) keeps a group to that provider's targets.
 */
export async function routeContinued(ctx: AppContext, req: ResponsesRequest, opts: ResponsesCaller, requestId: string): Promise<RouteDecision> {
  const { store, clientId } = opts;
  const callModel = classifierCallModel(ctx, requestId, opts);
  const decision = targetsServing(await routeChat(ctx, req as unknown as ChatRequest, callModel, opts.signal), req);
  const prev = req.previous_response_id;
  const continued = [...(typeof prev === 'string' ? [prev] : []), ...referencedResponses(req.input)];
  for (const id of continued) await store.load(id, true);
  // Item references into the conversation continued are a replay of it (bridgeRequest): its earlier responses are read too.
  if (typeof prev === 'string' && continued.length > 1) await loadResponseChain(prev, store, clientId);
  if (typeof prev === 'string' && !store.find(prev, clientId)) throw previousNotFound(prev);
  const referred = await refuseOthersItems(req.input, store, clientId);
  const held = (typeof prev === 'string' ? store.find(prev, clientId) : null) ?? referred;
  return held?.forwarded ? targetsHolding(decision, forwardedProvider(held)) : decision;
}

/** Whether the request continues a response the gateway bridged (stored here), which no provider has seen. */
export function continuesBridged(req: ResponsesRequest, opts: Pick<ResponsesCaller, 'store' | 'clientId'>): boolean {
  const prev = req.previous_response_id;
  const continued = [...(typeof prev === 'string' ? [prev] : []), ...referencedResponses(req.input)];
  return continued.some((id) => opts.store.get(id, opts.clientId) !== null);
}

/**
 * Whether a request goes to OpenAI's own endpoint (/responses/input_tokens, /responses/compact, which
 * only OpenAI has): its first target is OpenAI's and it continues no response the gateway bridged.
 */
export const goesToOpenAI = (decision: RouteDecision, req: ResponsesRequest, opts: Pick<ResponsesCaller, 'store' | 'clientId'>): boolean =>
  decision.targets[0]?.provider === 'openai' && !continuesBridged(req, opts);

/**
 * A response another provider holds (xAI's) can be neither counted nor compacted: its API has no
 * such endpoint, and the gateway keeps only who made it, not the conversation. A 400 that says so,
 * before any call (the bridge would answer that the provider cannot continue it, which is not the matter).
 */
export function refuseHeldElsewhere(req: ResponsesRequest, opts: Pick<ResponsesCaller, 'store' | 'clientId'>, what: string): void {
  const prev = req.previous_response_id;
  const held = typeof prev === 'string' ? opts.store.find(prev, opts.clientId) : null;
  if (!held?.forwarded || forwardedProvider(held) === 'openai') return;
  const holder = providerName(forwardedProvider(held));
  throw badRequest(
    `Previous response '${shownValue(prev, ID_CHARS)}' is held by ${holder}, whose API has no ${what}. Send the conversation in 'input' without previous_response_id.`,
    'previous_response_id',
    'unsupported_parameter',
  );
}
