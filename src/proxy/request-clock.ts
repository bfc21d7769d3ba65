/**
 * Times one request: total latency, time spent waiting on upstreams (every attempt), time spent
 * waiting for an upstream slot, and the gateway's own overhead = total minus both waits.
 */
export class RequestClock {
  private readonly start = performance.now();
  /** Milliseconds spent waiting on upstreams (headers, bodies, first stream chunk). */
  upstreamMs = 0;
  /** Upstream time to first byte of the attempt that answered. */
  ttfbMs: number | null = null;
  /** Milliseconds spent waiting for a free upstream slot (the gateway was full), every attempt. */
  queueMs = 0;
  /**
   * The client key the request runs on (the /v1 prelude sets it; null for the gateway's own calls).
   * It goes with the clock because the clock reaches every upstream call: one that had to wait for
   * a slot is sent only if this key is still good then (proxy/open-upstream.ts, startUpstream).
   */
  clientId: number | null = null;

  /**
   * @param createdAt when the request started, epoch ms: its row's created_at, and the instant its
   * time-of-day prices are read at (ctx.requestClock(); tests set the hour).
   */
  constructor(readonly createdAt: number = Date.now()) {}

  elapsed(): number {
    return performance.now() - this.start;
  }

  overhead(): number {
    return Math.max(0, this.elapsed() - this.upstreamMs - this.queueMs);
  }
}

export const roundMs = (ms: number) => Math.round(ms * 100) / 100;
