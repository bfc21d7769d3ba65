import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { VERSION } from '../version';

/** GET /health: liveness plus what an operator checks first (providers, breakers, log queue). */
export function healthRoutes(ctx: AppContext) {
  return new Elysia({ name: 'health' }).get(
    '/health',
    () => {
      const providers: Record<string, { enabled: boolean; circuit: string }> = {};
      for (const [id, p] of ctx.state.getSnapshot().providers) {
        providers[id] = { enabled: p.enabled, circuit: ctx.breakers.state(id) };
      }
      const q = ctx.logSink.stats();
      const redis = ctx.redis ? ctx.redis.status() : 'off';
      return {
        status: redis === 'down' ? 'degraded' : 'ok',
        redis,
        version: VERSION,
        uptime_s: Math.round((Date.now() - ctx.startedAt) / 1000),
        providers,
        log_queue: { depth: q.depth, dropped: q.dropped },
      };
    },
    { detail: { tags: ['System'], summary: 'Health, provider circuits and log queue' } },
  );
}
