import type { AppContext } from '../context';
import { badRequest } from '../errors/api-error';
import type { ChatRequest } from '../providers/types';
import { routeRequest, type CallModel, type HealthCheck, type RouteDecision } from '../routing';
import type { CircuitBreakers } from '../routing';

/** Routing's health view: the breakers' side-effect-free check when the registry has one. */
export function healthOf(ctx: AppContext): HealthCheck {
  const b = ctx.breakers as Partial<CircuitBreakers>;
  return typeof b.available === 'function' ? (p, m) => b.available!(p, m) : () => true;
}

/**
 * Model name -> ordered targets. Classifier groups call `callModel`, which runs (and logs) the
 * classifier's own completion through the proxy; so `classifierCalls` need no second row here.
 */
export async function routeChat(ctx: AppContext, req: ChatRequest, callModel: CallModel, signal?: AbortSignal): Promise<RouteDecision> {
  const { decision } = await routeRequest(req.model, req, {
    snap: ctx.state.getSnapshot(),
    health: healthOf(ctx),
    callModel,
    signal,
  });
  const first = decision.targets[0];
  if (first?.entry?.kind === 'image') {
    throw badRequest(`The model '${req.model}' is an image model; use /v1/images/generations.`, 'model', 'model_not_supported');
  }
  if (first?.entry?.kind === 'embedding') {
    throw badRequest(`The model '${req.model}' is an embedding model; use /v1/embeddings.`, 'model', 'model_not_supported');
  }
  return decision;
}
