import { modelForLog } from '../routing/model-name';
import type { AppContext } from '../context';
import type { ApiError } from '../errors/api-error';
import { billedUsageOf } from '../errors/billed-error';
import type { RequestClock } from '../proxy/request-clock';
import { routeRequest, type RouteDecision } from '../routing';
import { walkTargets, type Walk } from '../proxy/walk-targets';
import { openUpstream, readBody } from '../proxy/open-upstream';
import { notAnObject, notJson } from '../proxy/upstream-errors';
import { classifierCallModel } from '../proxy/chat-pipeline';
import { routeDeps } from '../proxy/route-chat';
import type { ImageRequest, ImageResult } from './images-types';
import { gatewayHeaders, recordFailure, recordRequest, type RequestMeta } from '../proxy/request-outcome';
import { imagePriceUnits } from './image-price-units';
import { planImageCall } from './plan-image-call';
import { targetsForImageCount } from './image-targets';
import { newRequestId } from '../proxy/request-id';

export interface ImagesOptions {
  clientId: number | null;
  /** The team the request was admitted under (RequestMeta.teamId). */
  teamId: number | null;
  signal?: AbortSignal;
  /** The log row's id (the /v1 prelude's, which a limited key's reservation waits on). */
  requestId?: string;
  /** The prelude's clock, started when the request arrived (as chat's, responses' and embeddings'). */
  clock: RequestClock;
}

/**
 * POST /v1/images/generations, its body validated by the /v1 prelude (validateImageRequest):
 * route the model (groups work), call the provider's image API (falling back on retryable
 * failures), answer in OpenAI's shape and log one row with the image count and cost.
 */
export async function generateImages(
  ctx: AppContext,
  req: ImageRequest,
  opts: ImagesOptions,
): Promise<{ result: ImageResult; headers: Record<string, string> }> {
  const clock = opts.clock;
  const requestId = opts.requestId ?? newRequestId();
  const meta: RequestMeta = { endpoint: 'images', requestId, clientId: opts.clientId, teamId: opts.teamId, modelRequested: modelForLog(req.model), stream: false, clock };
  let decision: RouteDecision | null = null;
  let walk: Walk<ImageResult> | null = null;
  try {
    const callModel = classifierCallModel(ctx, requestId, opts);
    ({ decision } = await routeRequest(req.model, { input: req.prompt }, routeDeps(ctx, callModel, opts.signal)));
    // A model named directly keeps its own 400 for an `n` it cannot take; a group tries the targets that can.
    if (ctx.state.getSnapshot().groups.has(req.model)) decision = targetsForImageCount(decision, req);
    walk = await walkTargets(ctx, decision, async (t, settings) => {
      const plan = planImageCall(req, t, settings);
      const up = await openUpstream(ctx, t, plan.call, { signal: opts.signal, clock, apiKey: settings.apiKey });
      const text = await readBody(up, clock).catch((err: ApiError) => {
        // Cut while its body was read: the provider made the images (and bills them) all the same.
        err.spent = { usage: null, text: '', imageUnits: imagePriceUnits(t.upstreamModel, req, req.n ?? 1, null) };
        throw err;
      });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw notJson(t.provider);
      }
      // Every image API answers an object; anything else would reach the client as a 200 `null`.
      if (json === null || typeof json !== 'object' || Array.isArray(json)) throw notAnObject(t.provider, json, 'an images object');
      return plan.parse(json, text);
    }, { signal: opts.signal, requestId });
    if (!walk.ok) throw walk.error;
    const { value: result, target } = walk;
    const overheadMs = clock.overhead();
    const imageUnits = imagePriceUnits(target.upstreamModel, req, result.images, result.usage);
    recordRequest(ctx, meta, { decision, walk, delivered: { usage: result.usage, images: result.images, imageUnits }, overheadMs });
    return { result, headers: gatewayHeaders({ overheadMs, target, decision, requestId }) };
  } catch (err) {
    // An error answer the provider billed (a Gemini image blocked for safety) keeps its tokens on the row.
    const billed = walk?.target ? billedUsageOf(err) : null;
    // A try the client abandoned after it was sent bills its prompt's tokens (at the input price), estimated.
    meta.promptTokens = (counter) => counter.count([req.prompt]).then(([n = 0]) => n);
    throw recordFailure(ctx, meta, { decision, walk, delivered: billed && { usage: billed, images: 0 } }, err);
  }
}
