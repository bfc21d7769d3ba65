import type { LogRecord } from '../logging/log-record';
import { Counter, Histogram } from './metric-series';

// Seconds. Latency spans a cached one-token answer to a long reasoning stream.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// The gateway's own time per request is meant to stay well under a millisecond.
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

const NONE = 'none';

/**
 * The request-level metrics, fed from the same LogRecord the log writer stores, so /metrics and
 * the request_logs table can never disagree about what happened.
 */
export class GatewayMetrics {
  readonly requests = new Counter('gophergate_requests_total', 'Requests handled, by endpoint, provider, model and HTTP status.', ['endpoint', 'provider', 'model', 'status']);
  readonly errors = new Counter('gophergate_request_errors_total', 'Requests that ended with an error status, by error type.', ['endpoint', 'provider', 'model', 'error_type']);
  readonly tokens = new Counter('gophergate_tokens_total', 'Tokens by kind (input includes cached_input, output includes reasoning), OpenAI convention.', ['provider', 'model', 'kind']);
  readonly costUsd = new Counter('gophergate_cost_usd_total', 'Cost in US dollars from the price table.', ['provider', 'model']);
  readonly estimated = new Counter('gophergate_usage_estimated_total', 'Requests whose usage was estimated by the tokenizer (upstream gave none).', ['provider', 'model']);
  readonly latency = new Histogram('gophergate_request_duration_seconds', 'Whole request time, arrival to last byte.', ['endpoint', 'provider', 'model'], LATENCY_BUCKETS);
  readonly ttfb = new Histogram('gophergate_stream_ttfb_seconds', 'Streams: arrival to the first byte sent to the client.', ['provider', 'model'], LATENCY_BUCKETS);
  readonly overhead = new Histogram('gophergate_overhead_seconds', "The gateway's own time per request (everything outside the upstream call).", ['endpoint', 'provider'], OVERHEAD_BUCKETS);

  /** Counts one finished request. Called on the request path: a handful of map lookups. */
  observe(r: LogRecord): void {
    const provider = r.provider ?? NONE;
    const model = r.model ?? NONE;
    const endpoint = r.endpoint;
    this.requests.inc([endpoint, provider, model, statusLabel(r.status)]);
    if (r.status >= 400 || r.errorType) this.errors.inc([endpoint, provider, model, r.errorType ?? 'error']);
    if (r.promptTokens) this.tokens.inc([provider, model, 'input'], r.promptTokens);
    if (r.cachedTokens) this.tokens.inc([provider, model, 'cached_input'], r.cachedTokens);
    if (r.completionTokens) this.tokens.inc([provider, model, 'output'], r.completionTokens);
    if (r.reasoningTokens) this.tokens.inc([provider, model, 'reasoning'], r.reasoningTokens);
    if (r.costUsd) this.costUsd.inc([provider, model], r.costUsd);
    if (r.estimated) this.estimated.inc([provider, model]);
    this.latency.observe([endpoint, provider, model], r.latencyMs / 1000);
    if (r.stream && r.ttfbMs != null) this.ttfb.observe([provider, model], r.ttfbMs / 1000);
    this.overhead.observe([endpoint, provider], r.overheadMs / 1000);
  }

  all(): Array<Counter | Histogram> {
    return [this.requests, this.errors, this.tokens, this.costUsd, this.estimated, this.latency, this.ttfb, this.overhead];
  }
}

// Status codes are few; caching their strings avoids a number->string conversion per request.
const statusStrings = new Map<number, string>();
function statusLabel(status: number): string {
  let s = statusStrings.get(status);
  if (s === undefined) statusStrings.set(status, (s = String(status)));
  return s;
}
