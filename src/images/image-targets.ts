import { badRequest } from '../errors/api-error';
import type { RouteDecision } from '../routing';
import { keepTargets } from '../routing/keep-targets';
import { MAX_IMAGES, maxImagesPerCall } from './image-params';
import type { ImageRequest } from './images-types';

/**
 * A group's targets that can make the request's `n` images in one call: dall-e-3 or Imagen first
 * in a group must not turn `n: 5` into a 400 when a later target (dall-e-2, gpt-image-1) can take
 * it (as /v1/messages keeps to Anthropic targets for what only Anthropic honours). A 400 naming
 * each target's limit when none can. An `n` no model takes (not an integer from 1 to MAX_IMAGES)
 * is left to the plan's own 400.
 */
export function targetsForImageCount(decision: RouteDecision, req: ImageRequest): RouteDecision {
  const n = req.n;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 1 || n > MAX_IMAGES) return decision;
  const most = (t: RouteDecision['targets'][number]) => maxImagesPerCall(t.provider, t.upstreamModel);
  const kept = keepTargets(decision, (t) => n <= most(t), `n=${n} is more images than they make per request`);
  if (kept) return kept;
  const limits = decision.targets.map((t) => `${t.modelId} makes at most ${most(t)}`).join(', ');
  throw badRequest(`No model of group '${decision.requested}' can generate ${n} images per request (${limits}).`, 'n', 'unsupported_parameter');
}
