import { anthropicStatus, type ApiError } from '../errors/api-error';
import { logMessageOf } from './upstream-redirect';
import type { LogRow } from '../logging/log-row';
import type { ChatCompletion, ChatRequest } from '../providers/types';
import { routeOf } from '../routing/route-of';
import type { RouteDecision, RouteTarget } from '../routing/types';
import { computeCost } from '../usage/cost';
import { estimateUsage } from '../usage/estimate-usage';
import type { Usage } from '../usage/types';
import type { AttemptRecord } from './execute-route';
import { roundMs, type RequestClock } from './request-clock';

/** Who asked, for the log row (the HTTP route and programmatic callers fill it differently). */
export interface ChatLogMeta {
  requestId: string;
  clientId: number | null;
  endpoint: LogRow['endpoint'];
  parentRequestId?: string | null;
  clock: RequestClock;
  storeBodies: boolean;
}

export interface ChatOutcome {
  req: ChatRequest;
  decision: RouteDecision | null;
  target: RouteTarget | null;
  attempts: AttemptRecord[];
  /** Upstream usage, null when it gave none (then prompt + delivered text are estimated). */
  usage: Usage | null;
  deliveredText: string;
  /** Characters delivered in all, when deliveredText is only a sample (see tallyText). */
  deliveredChars?: number;
  error: ApiError | null;
  /** Overhead measured when headers went out (streams: the rest is the client's and upstream's pace). */
  overheadMs: number;
}

/** Text a non-stream completion delivered, for estimating when the upstream gave no usage. */
export function completionText(c: ChatCompletion): string {
  let text = '';
  for (const choice of c.choices ?? []) {
    const m: any = choice?.message;
    if (typeof m?.content === 'string') text += m.content;
    if (typeof m?.reasoning_content === 'string') text += m.reasoning_content;
    for (const call of m?.tool_calls ?? []) text += (call?.function?.name ?? '') + (call?.function?.arguments ?? '');
  }
  return text;
}

/** Whether the row needs a token estimate: the upstream was reached but reported no usage. */
export function needsEstimate(o: ChatOutcome): boolean {
  return o.usage === null && o.target !== null && (o.error === null || o.deliveredText.length > 0);
}

/** Tokenizer estimate of prompt + delivered text; a sampled stream's output is scaled up to its full length. */
export async function estimateOutcome(o: ChatOutcome): Promise<Usage> {
  const u = await estimateUsage(Array.isArray(o.req.messages) ? (o.req.messages as any[]) : [], o.deliveredText);
  const sample = o.deliveredText.length;
  const total = o.deliveredChars ?? sample;
  if (sample > 0 && total > sample) u.output = Math.round((u.output * total) / sample);
  return u;
}

/**
 * The one accounting row of a chat request, whatever its outcome. `estimate` is the usage to bill
 * when needsEstimate(o); `latencyMs` is taken when the request ended (an estimate comes later).
 */
export function buildChatLogRecord(meta: ChatLogMeta, o: ChatOutcome, estimate: Usage | null = null, latencyMs = meta.clock.elapsed()): LogRow {
  const usage: Usage | null = o.target === null ? null : (o.usage ?? estimate);
  const prices = o.target?.entry?.prices;
  return {
    createdAt: meta.clock.createdAt,
    requestId: meta.requestId,
    parentRequestId: meta.parentRequestId ?? null,
    clientId: meta.clientId,
    endpoint: meta.endpoint,
    modelRequested: typeof o.req.model === 'string' ? o.req.model : '',
    model: o.target?.modelId ?? null,
    provider: o.target?.provider ?? null,
    route: o.decision ? routeOf(o.decision, o.target) : null,
    attempts: o.attempts.length > 1 ? JSON.stringify(o.attempts) : null,
    providerKeyId: o.attempts.at(-1)?.keyId ?? null,
    stream: o.req.stream === true,
    // Anthropic-dialect clients get an upstream 529 as 529 (anthropic-errors.ts): the row says so.
    status: o.error ? (meta.endpoint === 'messages' || meta.endpoint === 'count_tokens' ? anthropicStatus(o.error) : o.error.status) : 200,
    errorType: o.error ? (o.error.code ?? o.error.type) : null,
    error: o.error ? logMessageOf(o.error) : null,
    promptTokens: usage?.input ?? 0,
    cachedTokens: usage?.cachedInput ?? 0,
    completionTokens: usage?.output ?? 0,
    reasoningTokens: usage?.reasoning ?? 0,
    estimated: usage?.estimated === true,
    costUsd: usage && prices ? computeCost(usage, prices) : 0,
    latencyMs: roundMs(latencyMs),
    ttfbMs: meta.clock.ttfbMs === null ? null : roundMs(meta.clock.ttfbMs),
    overheadMs: roundMs(o.overheadMs),
    queueMs: roundMs(meta.clock.queueMs),
    body: meta.storeBodies ? JSON.stringify({ request: o.req, response: o.deliveredText }) : null,
    cacheWriteTokens: usage?.cacheWrite ?? 0,
  };
}
