import type { ApiError } from '../errors/api-error';
import { headerValue } from '../http/header-value';
import { logMessageOf } from './upstream-redirect';
import type { LogRow } from '../logging/log-row';
import type { AttemptRecord } from './execute-route';
import { roundMs, type RequestClock } from './request-clock';
import { routeOf } from '../routing/route-of';
import type { RouteDecision, RouteTarget } from '../routing/types';
import { computeCost } from '../usage/cost';
import { ZERO_USAGE, type Usage } from '../usage/types';

/** What a non-chat request (images, OpenAI Responses pass-through) did, for its one log row. */
export interface PassthroughOutcome {
  endpoint: LogRow['endpoint'];
  requestId: string;
  clientId: number | null;
  modelRequested: string;
  stream: boolean;
  clock: RequestClock;
  decision: RouteDecision | null;
  target: RouteTarget | null;
  attempts: AttemptRecord[];
  usage: Usage | null;
  images: number;
  error: ApiError | null;
  overheadMs: number;
}

/** The accounting row: tokens where the upstream reported them, plus images at the per-image price. */
export function buildPassthroughLogRecord(o: PassthroughOutcome): LogRow {
  const prices = o.target?.entry?.prices;
  return {
    createdAt: o.clock.createdAt,
    requestId: o.requestId,
    parentRequestId: null,
    clientId: o.clientId,
    endpoint: o.endpoint,
    modelRequested: o.modelRequested,
    model: o.target?.modelId ?? null,
    provider: o.target?.provider ?? null,
    route: o.decision ? routeOf(o.decision, o.target) : null,
    attempts: o.attempts.length > 1 ? JSON.stringify(o.attempts) : null,
    providerKeyId: o.attempts.at(-1)?.keyId ?? null,
    stream: o.stream,
    status: o.error ? o.error.status : 200,
    errorType: o.error ? (o.error.code ?? o.error.type) : null,
    error: o.error ? logMessageOf(o.error) : null,
    promptTokens: o.usage?.input ?? 0,
    cachedTokens: o.usage?.cachedInput ?? 0,
    completionTokens: o.usage?.output ?? 0,
    reasoningTokens: o.usage?.reasoning ?? 0,
    images: o.images,
    estimated: false,
    costUsd: prices ? computeCost(o.usage ?? ZERO_USAGE, prices, o.images) : 0,
    latencyMs: roundMs(o.clock.elapsed()),
    ttfbMs: o.clock.ttfbMs === null ? null : roundMs(o.clock.ttfbMs),
    overheadMs: roundMs(o.overheadMs),
    queueMs: roundMs(o.clock.queueMs),
    body: null,
  };
}

/** The x-gophergate-* headers every answer carries. */
export function gatewayHeaders(o: { overheadMs: number; target: RouteTarget; decision: RouteDecision; requestId: string }) {
  return {
    'x-gophergate-overhead-ms': String(roundMs(o.overheadMs)),
    'x-gophergate-model': headerValue(o.target.modelId),
    'x-gophergate-provider': o.target.provider,
    'x-gophergate-route': headerValue(routeOf(o.decision, o.target)),
    'x-request-id': o.requestId,
  };
}
