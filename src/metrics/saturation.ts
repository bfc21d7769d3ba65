import type { Server } from 'bun';
import type { AppContext } from '../context';
import { outOfDescriptorRefusals } from '../http/out-of-descriptors';
import { readOpenFileLimit } from '../startup/fd-limit';
import { runtimeFetchCap } from '../startup/fetch-cap';
import type { GaugeFamily } from './prometheus-text';

/** How full the instance is: what /health and /metrics report, from the same numbers. */
export interface Saturation {
  /** HTTP requests being served (streams until their last byte), not counting the one asking; null without a server. */
  requestsInFlight: number | null;
  /** Upstream requests holding a slot (connections in use). */
  upstreamInUse: number;
  /** Requests waiting for a slot. */
  upstreamWaiting: number;
  /** Requests refused with 503 `overloaded` after waiting the whole queue timeout, since start. */
  upstreamRefused: number;
  /** Requests refused with 503 `overloaded` because no file descriptor was free to connect (upstream, image URL), since start. */
  outOfFilesRefused: number;
  maxConnections: number;
  queueTimeoutS: number;
  /** Bun's fetch cap this process started with (BUN_CONFIG_MAX_HTTP_REQUESTS, default 256). */
  runtimeFetchCap: number;
  /** The open-file soft limit in force; null where it cannot be read. */
  openFilesLimit: number | null;
  /** `background: true` responses still running at the upstream, read back until they end. */
  backgroundResponses: number;
}

export function saturationOf(ctx: AppContext, server: Server<unknown> | null | undefined): Saturation {
  const s = ctx.upstreamSlots;
  return {
    requestsInFlight: server ? Math.max(0, server.pendingRequests - 1) : null,
    upstreamInUse: s.inUse,
    upstreamWaiting: s.waiting,
    upstreamRefused: s.refused,
    outOfFilesRefused: outOfDescriptorRefusals(),
    maxConnections: s.max,
    queueTimeoutS: s.queueTimeoutMs / 1000,
    runtimeFetchCap: runtimeFetchCap(),
    openFilesLimit: readOpenFileLimit()?.soft ?? null,
    backgroundResponses: ctx.backgroundResponses.size + ctx.backgroundJobs.running,
  };
}

/** The /health `upstream` object (snake_case like the rest of it). */
export function saturationHealth(s: Saturation) {
  return {
    requests_in_flight: s.requestsInFlight,
    background_responses: s.backgroundResponses,
    upstream: {
      in_use: s.upstreamInUse,
      waiting: s.upstreamWaiting,
      refused: s.upstreamRefused,
      refused_out_of_files: s.outOfFilesRefused,
      max_connections: s.maxConnections,
      queue_timeout_s: s.queueTimeoutS,
      runtime_fetch_cap: s.runtimeFetchCap,
      open_files_limit: s.openFilesLimit === Infinity ? 'unlimited' : s.openFilesLimit,
    },
  };
}

const one = (value: number) => [{ value }];

/** The saturation gauges for /metrics. */
export function saturationGauges(s: Saturation): GaugeFamily[] {
  const out: GaugeFamily[] = [];
  if (s.requestsInFlight !== null)
    out.push({ name: 'gophergate_requests_in_flight', help: 'HTTP requests being served (streams until their last byte), not counting this scrape.', type: 'gauge', samples: one(s.requestsInFlight) });
  out.push(
    { name: 'gophergate_upstream_connections_in_use', help: 'Upstream requests in flight (each holds a slot until its answer is read to the end).', type: 'gauge', samples: one(s.upstreamInUse) },
    { name: 'gophergate_upstream_requests_waiting', help: 'Requests waiting for a free upstream slot.', type: 'gauge', samples: one(s.upstreamWaiting) },
    { name: 'gophergate_upstream_overloaded_total', help: "Requests refused with 503 'overloaded' after waiting LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S for a slot.", type: 'counter', samples: one(s.upstreamRefused) },
    { name: 'gophergate_out_of_files_refusals_total', help: "Requests refused with 503 'overloaded' because no file descriptor was free to connect to the upstream or an image URL (the open-file limit).", type: 'counter', samples: one(s.outOfFilesRefused) },
    { name: 'gophergate_upstream_max_connections', help: 'Configured upstream requests in flight at most (LLM_PROXY__UPSTREAM__MAX_CONNECTIONS).', type: 'gauge', samples: one(s.maxConnections) },
    { name: 'gophergate_background_responses', help: 'Background responses running: at OpenAI, read back until they end, and bridged ones this instance runs (their log rows are written at their end).', type: 'gauge', samples: one(s.backgroundResponses) },
    { name: 'gophergate_runtime_fetch_cap', help: "Bun's own cap on fetches in flight, as the process started (BUN_CONFIG_MAX_HTTP_REQUESTS).", type: 'gauge', samples: one(s.runtimeFetchCap) },
  );
  if (s.openFilesLimit !== null)
    out.push({ name: 'gophergate_open_files_limit', help: 'Open-file soft limit (each request in flight holds about two).', type: 'gauge', samples: one(s.openFilesLimit) });
  return out;
}
