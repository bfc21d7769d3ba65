import type { LogRow } from '../logging/log-row';
import { OWN_ERROR_CODES } from './own-error-codes';
import { boundLabel, Counter, Histogram, LabelBudget, MAX_SERIES_PER_METRIC, type HistogramValue } from './metric-series';

// Seconds. Latency spans a cached one-token answer to a long reasoning stream.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// The gateway's own time per request is meant to stay well under a millisecond.
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
// Waiting for an upstream slot: zero on an instance with room, up to the queue timeout on a full one.
const QUEUE_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const NONE = 'none';
/** Model names outside the models table (`provider/<anything>` is forwarded) with series of their own. */
export const MAX_UNLISTED_MODELS = 100;
/** Error types with series of their own (the gateway's codes are a few dozen; upstreams name others). */
export const MAX_ERROR_TYPES = 100;

export interface GatewayMetricsOptions {
  /** Is this model id in the models table? Those always keep their own series (app-context.ts: the snapshot). */
  isListedModel?: (model: string) => boolean;
}
const SEP = '\u0001';
const TOKEN_KINDS = ['input', 'cached_input', 'output', 'reasoning', 'cache_write'] as const;

interface SeriesBundle {
  labels2: string[];
  requests: Map<number, { n: number }>;
  /** input, cached_input, output, reasoning, cache_write */
  tokens: Array<{ n: number } | null>;
  cost: { n: number } | null;
  estimated: { n: number } | null;
  latency: HistogramValue;
  ttfb: HistogramValue | null;
  overhead: HistogramValue;
  queueWait: HistogramValue | null;
}

/**
 * The request-level metrics, fed from the same LogRow the log writer stores, so /metrics and
 * the request_logs table can never disagree about what happened.
 */
export class GatewayMetrics {
  readonly requests = new Counter('gophergate_requests_total', 'Requests handled, by endpoint, provider, model and HTTP status.', ['endpoint', 'provider', 'model', 'status']);
  readonly errors = new Counter('gophergate_request_errors_total', 'Requests that ended with an error status, by error type.', ['endpoint', 'provider', 'model', 'error_type']);
  readonly tokens = new Counter('gophergate_tokens_total', 'Tokens by kind (input includes cached_input and cache_write, output includes reasoning), OpenAI convention.', ['provider', 'model', 'kind']);
  readonly costUsd = new Counter('gophergate_cost_usd_total', 'Cost in US dollars: what the provider said it billed where it did (xAI), else from the price table.', ['provider', 'model']);
  readonly estimated = new Counter('gophergate_usage_estimated_total', 'Requests whose usage was estimated by the tokenizer (upstream gave none).', ['provider', 'model']);
  readonly latency = new Histogram('gophergate_request_duration_seconds', 'Whole request time, arrival to last byte.', ['endpoint', 'provider', 'model'], LATENCY_BUCKETS);
  readonly ttfb = new Histogram('gophergate_stream_ttfb_seconds', 'Streams: arrival to the first byte sent to the client.', ['provider', 'model'], LATENCY_BUCKETS);
  readonly overhead = new Histogram('gophergate_overhead_seconds', "The gateway's own time per request (everything outside the upstream call).", ['endpoint', 'provider'], OVERHEAD_BUCKETS);
  readonly queueWait = new Histogram('gophergate_upstream_queue_wait_seconds', 'Time a request waited for a free upstream slot (the instance was at LLM_PROXY__UPSTREAM__MAX_CONNECTIONS); not part of the overhead.', ['endpoint'], QUEUE_WAIT_BUCKETS);

  /** Series of one (endpoint, provider, model), resolved once: most traffic is a few of these. */
  private readonly bundles = new Map<string, SeriesBundle>();
  private readonly unlistedModels = new LabelBudget(MAX_UNLISTED_MODELS);
  private readonly errorTypes = new LabelBudget(MAX_ERROR_TYPES, OWN_ERROR_CODES);
  private readonly isListedModel: (model: string) => boolean;

  constructor(opts: GatewayMetricsOptions = {}) {
    this.isListedModel = opts.isListedModel ?? (() => false);
  }

  /**
   * The model label: a listed model as it is; any other name (bounded in length) while fewer
   * than MAX_UNLISTED_MODELS have series, else `other`. Series then reflect the models table,
   * not what clients invent, and a model added later still gets its own.
   */
  private modelLabel(model: string | null): string {
    if (model === null) return NONE;
    if (this.isListedModel(model)) return model;
    return this.unlistedModels.label(boundLabel(model));
  }

  private bundleOf(endpoint: string, provider: string, model: string): SeriesBundle {
    const key = endpoint + SEP + provider + SEP + model;
    let b = this.bundles.get(key);
    if (!b) {
      b = {
        labels2: [provider, model],
        requests: new Map(),
        tokens: [null, null, null, null, null],
        cost: null,
        estimated: null,
        latency: this.latency.seriesFor([endpoint, provider, model]),
        ttfb: null,
        overhead: this.overhead.seriesFor([endpoint, provider]),
        queueWait: null,
      };
      // Bounded like the series themselves: past the cap a combination is looked up each time.
      if (this.bundles.size < MAX_SERIES_PER_METRIC) this.bundles.set(key, b);
    }
    return b;
  }

  private addTokens(b: SeriesBundle, kind: number, n: number): void {
    (b.tokens[kind] ??= this.tokens.seriesFor([b.labels2[0]!, b.labels2[1]!, TOKEN_KINDS[kind]!])).n += n;
  }

  /**
   * Counts one finished request. Called on the request path: one string key and one map lookup;
   * a series is only created when first needed, so /metrics shows the same series as before.
   */
  observe(r: LogRow): void {
    const provider = r.provider ?? NONE;
    const model = this.modelLabel(r.model);
    const endpoint = r.endpoint;
    const b = this.bundleOf(endpoint, provider, model);
    let req = b.requests.get(r.status);
    if (!req) b.requests.set(r.status, (req = this.requests.seriesFor([endpoint, provider, model, statusLabel(r.status)])));
    req.n++;
    if (r.status >= 400 || r.errorType) this.errors.inc([endpoint, provider, model, this.errorTypes.label(boundLabel(r.errorType ?? 'error'))]);
    if (r.promptTokens) this.addTokens(b, 0, r.promptTokens);
    if (r.cachedTokens) this.addTokens(b, 1, r.cachedTokens);
    if (r.completionTokens) this.addTokens(b, 2, r.completionTokens);
    if (r.reasoningTokens) this.addTokens(b, 3, r.reasoningTokens);
    if (r.cacheWriteTokens) this.addTokens(b, 4, r.cacheWriteTokens);
    if (r.costUsd) (b.cost ??= this.costUsd.seriesFor(b.labels2)).n += r.costUsd;
    if (r.estimated) (b.estimated ??= this.estimated.seriesFor(b.labels2)).n++;
    this.latency.observeInto(b.latency, r.latencyMs / 1000);
    if (r.stream && r.ttfbMs != null) this.ttfb.observeInto((b.ttfb ??= this.ttfb.seriesFor(b.labels2)), r.ttfbMs / 1000);
    this.overhead.observeInto(b.overhead, r.overheadMs / 1000);
    // Requests that got as far as choosing an upstream (the others never queued).
    if (r.queueMs != null && r.provider) this.queueWait.observeInto((b.queueWait ??= this.queueWait.seriesFor([endpoint])), r.queueMs / 1000);
  }

  all(): Array<Counter | Histogram> {
    return [this.requests, this.errors, this.tokens, this.costUsd, this.estimated, this.latency, this.ttfb, this.overhead, this.queueWait];
  }
}

// Status codes are few; caching their strings avoids a number->string conversion per request.
const statusStrings = new Map<number, string>();
function statusLabel(status: number): string {
  let s = statusStrings.get(status);
  if (s === undefined) statusStrings.set(status, (s = String(status)));
  return s;
}
