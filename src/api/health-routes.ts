import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { VERSION } from '../version';
import { saturationHealth, saturationOf } from '../metrics/saturation';
import { modelCircuits, modelCircuitsJson, type ModelCircuitJson } from '../routing';
import { ADMIN_RESPONSES } from './openapi-admin-docs';

/** GET /health: liveness plus what an operator checks first (providers, breakers, log queue, saturation). */
export function healthRoutes(ctx: AppContext) {
  return new Elysia({ name: 'health' }).get(
    '/health',
    ({ server }) => {
      const providers: Record<string, { enabled: boolean; circuit: string; model_circuits: ModelCircuitJson[]; keys?: Record<string, number> }> = {};
      const models = modelCircuits(ctx.breakers);
      for (const [id, p] of ctx.state.getSnapshot().providers) {
        providers[id] = { enabled: p.enabled, circuit: ctx.breakers.state(id), model_circuits: modelCircuitsJson(models, id) };
        // A provider whose keys are all set aside answers 502 with its circuit closed: the keys say why.
        if (p.keys?.length) providers[id].keys = ctx.keyPool.countStates(p);
      }
      const q = ctx.logSink.stats();
      // A configured store (PostgreSQL) that cannot be reached: /v1 serves on, /api answers 503.
      const storeUp = ctx.store?.reachable() ?? true;
      const redis = ctx.redis ? ctx.redis.status() : 'off';
      // The SQLite file deleted or moved while running: what is written now is lost at the stop.
      const storeError = ctx.store?.fileProblem?.() ?? null;
      return {
        // Rows that cannot be stored just now (a full disk) are kept and retried: degraded until they are.
        status: storeUp && redis !== 'down' && !q.error && !storeError ? 'ok' : 'degraded',
        instance: ctx.config.instanceId,
        store: ctx.store?.kind ?? 'sqlite',
        ...(ctx.store?.kind === 'postgres' ? { store_reachable: storeUp } : {}),
        ...(storeError ? { store_error: storeError } : {}),
        redis,
        version: VERSION,
        uptime_s: Math.round((Date.now() - ctx.startedAt) / 1000),
        providers,
        log_queue: { depth: q.depth, dropped: q.dropped, ...(q.error ? { error: q.error } : {}) },
        // requests_in_flight and upstream {in_use, waiting, refused, max_connections, ...}
        ...saturationHealth(saturationOf(ctx, server)),
      };
    },
    { detail: { tags: ['System'], responses: ADMIN_RESPONSES.health, summary: 'Health, provider circuits and log queue' } },
  );
}
