/**
 * Times one request: total latency, time spent waiting on upstreams (every attempt), and the
 * gateway's own overhead = total minus that waiting.
 */
export class RequestClock {
  readonly createdAt = Date.now();
  private readonly start = performance.now();
  /** Milliseconds spent waiting on upstreams (headers, bodies, first stream chunk). */
  upstreamMs = 0;
  /** Upstream time to first byte of the attempt that answered. */
  ttfbMs: number | null = null;

  elapsed(): number {
    return performance.now() - this.start;
  }

  overhead(): number {
    return Math.max(0, this.elapsed() - this.upstreamMs);
  }
}

export const roundMs = (ms: number) => Math.round(ms * 100) / 100;
