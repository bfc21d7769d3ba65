import { checkModelName, modelForLog } from '../api/model-name';
import type { AppContext } from '../context';
import { ApiError, badRequest } from '../errors/api-error';
import { withRequestId } from '../errors/request-id';
import { RequestClock } from '../proxy/request-clock';
import { routeRequest } from '../routing';
import { walkTargets, type AttemptRecord } from '../proxy/execute-route';
import { openUpstream, readBody } from '../proxy/open-upstream';
import { classifierCallModel } from '../responses/classifier-call-model';
import type { HealthCheck } from '../routing/types';
import type { ImageRequest, ImageResult } from './images-types';
import { buildPassthroughLogRecord, gatewayHeaders, type PassthroughOutcome } from './passthrough-log-record';
import { planImageCall } from './plan-image-call';

export interface ImagesOptions {
  clientId: number | null;
  signal?: AbortSignal;
  /** The log row's id (the /v1 prelude's, which a limited key's reservation waits on). */
  requestId?: string;
}

const asApiError = (err: unknown) =>
  err instanceof ApiError ? err : new ApiError(500, 'Internal gateway error.', 'api_error', 'internal_error');

function healthOf(ctx: AppContext): HealthCheck {
  const b = ctx.breakers as { available?: HealthCheck };
  return typeof b.available === 'function' ? (p, m) => b.available!(p, m) : () => true;
}

/**
 * POST /v1/images/generations: route the model (groups work), call the provider's image API
 * (falling back on retryable failures), answer in OpenAI's shape and log one row with the
 * image count and cost.
 */
export async function generateImages(
  ctx: AppContext,
  body: unknown,
  opts: ImagesOptions,
): Promise<{ result: ImageResult; headers: Record<string, string> }> {
  const clock = new RequestClock();
  const requestId = opts.requestId ?? crypto.randomUUID();
  const req = (body && typeof body === 'object' ? body : {}) as ImageRequest;
  const o: PassthroughOutcome = {
    endpoint: 'images', requestId, clientId: opts.clientId, modelRequested: modelForLog(req.model),
    stream: false, clock, decision: null, target: null, attempts: [] as AttemptRecord[], usage: null, images: 0, error: null, overheadMs: 0,
  };
  try {
    if (typeof req.model !== 'string' || !req.model) throw badRequest("'model' is required.", 'model');
    checkModelName(req.model);
    if (req.stream) throw badRequest('Streaming image generation is not supported by the gateway.', 'stream', 'unsupported_parameter');
    const callModel = classifierCallModel(ctx, requestId, opts.clientId);
    const snap = ctx.state.getSnapshot();
    const { decision } = await routeRequest(req.model, { input: req.prompt }, {
      snap, health: healthOf(ctx), callModel, signal: opts.signal,
    });
    o.decision = decision;
    const { value: result, target } = await walkTargets(ctx, decision, o.attempts, async (t, settings) => {
      o.target = t;
      const plan = planImageCall(req, t, settings);
      const up = await openUpstream(ctx, t, plan.call, { signal: opts.signal, clock, apiKey: settings.apiKey });
      const text = await readBody(up, clock);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ApiError(502, `Upstream ${t.provider} answered with something that is not JSON.`, 'api_error', 'upstream_error');
      }
      return plan.parse(json, text);
    }, { signal: opts.signal });
    o.target = target;
    o.usage = result.usage;
    o.images = result.images;
    o.overheadMs = clock.overhead();
    return { result, headers: gatewayHeaders({ overheadMs: o.overheadMs, target, decision, requestId }) };
  } catch (err) {
    o.error = withRequestId(asApiError(err), requestId);
    o.overheadMs = clock.overhead();
    throw o.error;
  } finally {
    ctx.logSink.write(buildPassthroughLogRecord(o));
  }
}
