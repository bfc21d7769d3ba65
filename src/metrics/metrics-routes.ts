import { Elysia } from 'elysia';
import { timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context';
import type { CircuitState } from '../routing/circuit-breaker';
import { PROVIDER_IDS } from '../providers/types';
import { modelCircuits } from '../routing';
import { VERSION } from '../version';
import { keyPoolGauges } from './key-pool-gauges';
import { withInstanceLabel } from './instance-label';
import { redisGauges } from './redis-gauges';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, type GaugeFamily } from './prometheus-text';
import { saturationGauges, saturationOf } from './saturation';
import { OPENAI_ERROR_SCHEMA } from '../errors/openapi-error-schema';

const CIRCUIT_STATES: CircuitState[] = ['closed', 'open', 'half_open'];

/** The OpenAPI document's answers of GET /metrics. */
const METRICS_RESPONSES = {
  200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' as const } } } },
  401: { description: 'LLM_PROXY__METRICS__TOKEN is set and the bearer token is missing or wrong', content: { 'application/json': { schema: OPENAI_ERROR_SCHEMA } } },
  404: { description: 'LLM_PROXY__METRICS__ENABLED=false (`not_found`)', content: { 'application/json': { schema: OPENAI_ERROR_SCHEMA } } },
};

function notFound(): Response {
  const body = { error: { message: 'Not found.', type: 'invalid_request_error', param: null, code: 'not_found' } };
  return Response.json(body, { status: 404 });
}

function unauthorized(): Response {
  const body = { error: { message: 'Missing or invalid metrics token.', type: 'authentication_error', param: null, code: 'invalid_api_key' } };
  return Response.json(body, { status: 401, headers: { 'www-authenticate': 'Bearer realm="metrics"' } });
}

/**
 * Compares without an early exit so the response time does not reveal the token's prefix. The
 * scheme is matched as HTTP defines it (any letter case, any spaces or a tab after it), as /v1 does.
 */
function tokenMatches(header: string | null, token: string): boolean {
  const scheme = header ? /^\s*Bearer[ \t]+/i.exec(header) : null;
  const given = Buffer.from(scheme ? header!.slice(scheme[0].length).trim() : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function scrapeGauges(ctx: AppContext): GaugeFamily[] {
  const q = ctx.logSink.stats();
  // The store the log rows go to, as the operator runs it.
  const store = ctx.store?.kind === 'postgres' ? 'PostgreSQL' : 'SQLite';
  const breakerSamples: GaugeFamily['samples'] = [];
  for (const provider of PROVIDER_IDS) {
    const state = ctx.breakers.state(provider);
    for (const s of CIRCUIT_STATES) breakerSamples.push({ labels: { provider, state: s }, value: state === s ? 1 : 0 });
  }
  // Only the models whose own circuit is open or half-open have series (a closed one is dropped).
  const modelSamples: GaugeFamily['samples'] = modelCircuits(ctx.breakers).flatMap((c) =>
    CIRCUIT_STATES.map((s) => ({ labels: { provider: c.provider, model: c.model, state: s }, value: c.state === s ? 1 : 0 })),
  );
  return [
    { name: 'gophergate_log_queue_depth', help: `Log records accepted but not yet in ${store}.`, type: 'gauge', samples: [{ value: q.depth }] },
    { name: 'gophergate_log_dropped_total', help: 'Log records dropped: the queue was full, or the store refused them for good.', type: 'counter', samples: [{ value: q.dropped }] },
    { name: 'gophergate_log_written_total', help: `Log records written to ${store}.`, type: 'counter', samples: [{ value: q.written }] },
    { name: 'gophergate_circuit_state', help: 'Circuit breaker state per provider (1 for the current state).', type: 'gauge', samples: breakerSamples },
    {
      name: 'gophergate_model_circuit_state', help: 'Circuit breaker state of each model whose own circuit is not closed (1 for the current state).', type: 'gauge',
      samples: modelSamples,
    },
    { name: 'gophergate_uptime_seconds', help: 'Seconds since the process started.', type: 'gauge', samples: [{ value: Math.round((Date.now() - ctx.startedAt) / 1000) }] },
    {
      name: 'gophergate_limit_refusals_total', help: 'Requests refused by key or team limits, by reason (the error code).', type: 'counter',
      samples: [...ctx.limits.refusals].map(([reason, value]) => ({ labels: { reason }, value })),
    },
    {
      name: 'gophergate_team_spend_usd_total', help: "USD billed to each team's keys since the process started.", type: 'counter',
      samples: [...ctx.limits.teamSpendUsd].map(([team, value]) => ({ labels: { team }, value })),
    },
    // Only on PostgreSQL (SQLite is always reachable), as gophergate_redis_up only with Redis.
    ...(ctx.store?.kind === 'postgres'
      ? [{ name: 'gophergate_store_up', help: 'PostgreSQL reachable (1) or not (0: /v1 serves on, log rows wait, /api answers 503).', type: 'gauge' as const, samples: [{ value: ctx.store.reachable() ? 1 : 0 }] }]
      : []),
    { name: 'gophergate_build_info', help: 'Always 1; the version is in the label.', type: 'gauge', samples: [{ labels: { version: VERSION }, value: 1 }] },
    ...keyPoolGauges(ctx),
    ...redisGauges(ctx),
  ];
}

/**
 * GET /metrics in Prometheus text format. Off (404) when `config.metrics.enabled` is false;
 * needs `Authorization: Bearer <LLM_PROXY__METRICS__TOKEN>` when a token is configured.
 */
export function metricsRoutes(ctx: AppContext) {
  const { enabled, token } = ctx.config.metrics;
  return new Elysia({ name: 'metrics' }).get(
    '/metrics',
    ({ request, server }) => {
      if (!enabled) return notFound();
      if (token && !tokenMatches(request.headers.get('authorization'), token)) return unauthorized();
      const gauges = [...scrapeGauges(ctx), ...saturationGauges(saturationOf(ctx, server))];
      const text = withInstanceLabel(renderPrometheus(ctx.metrics.all(), gauges), ctx.config.instanceId);
      return new Response(text, { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } });
    },
    // Open unless LLM_PROXY__METRICS__TOKEN is set: then that token as a bearer (`{}`: no credentials is an option).
    { detail: { tags: ['System'], security: [{}, { metricsToken: [] }], responses: METRICS_RESPONSES, summary: 'Prometheus metrics (text exposition format)' } },
  );
}
