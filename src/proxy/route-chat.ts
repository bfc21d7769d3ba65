import type { AppContext } from '../context';
import { badRequest } from '../errors/api-error';
import type { ChatRequest } from '../providers/types';
import { routeRequest, type CallModel, type RouteDecision, type RouteDeps, type RouteTarget } from '../routing';
import { isImageModelId } from '../providers/image-model-id';

/** What routing reads from the app: today's snapshot, the breakers' side-effect-free health view, the score cache. */
export function routeDeps(ctx: AppContext, callModel: CallModel, signal?: AbortSignal): RouteDeps {
  return { snap: ctx.state.getSnapshot(), health: (p, m) => ctx.breakers.available(p, m), callModel, cache: ctx.scoreCache, signal };
}

/**
 * Model name -> ordered targets. Classifier groups call `callModel`, which runs (and logs) the
 * classifier's own completion through the proxy; so `classifierCalls` need no second row here.
 */
export async function routeChat(ctx: AppContext, req: ChatRequest, callModel: CallModel, signal?: AbortSignal): Promise<RouteDecision> {
  const { decision } = await routeRequest(req.model, req, routeDeps(ctx, callModel, signal));
  const first = decision.targets[0];
  if (first?.entry?.kind === 'image' || (first && isUnlistedImageModel(first))) {
    throw badRequest(`The model '${req.model}' is an image model; use /v1/images/generations.`, 'model', 'model_not_supported');
  }
  if (first?.entry?.kind === 'embedding') {
    throw badRequest(`The model '${req.model}' is an embedding model; use /v1/embeddings.`, 'model', 'model_not_supported');
  }
  return decision;
}

/**
 * A `provider/<id>` the models table does not list (its entry, if any, genai-prices' price: kind
 * unknown) whose id names an image model (gemini-3-pro-image-preview, gpt-image-1.5): refused on
 * chat as a listed image model is. Gemini's image models answer chat with the picture as an
 * inlineData part, which chat's OpenAI shape has no place for: the client got the text alone, and
 * the row billed the picture's 1290 image tokens.
 */
function isUnlistedImageModel(t: RouteTarget): boolean {
  return (t.entry === null || t.entry.unlisted === true) && isImageModelId(t.provider, t.upstreamModel);
}
