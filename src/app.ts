import { Elysia } from 'elysia';
import type { AppContext } from './context';
import { adminApi, noStoreForApi } from './api/admin-api';
import { BUN_MAX_REQUEST_BODY_SIZE, bodyLimit } from './api/body-limit';
import { corsRoutes } from './api/cors-routes';
import { dashboardRoutes } from './dashboard/dashboard-routes';
import { errorHandlerWith } from './api/error-handler';
import { dashboardErrorPage } from './dashboard/error-pages';
import { refuseSecretsInUrl } from './dashboard/secret-query';
import { healthRoutes } from './api/health-routes';
import { swaggerRoutes } from './api/swagger-routes';
import { bunRoutes, v1Plugin, v1Routes } from './api/v1-routes';
import { metricsRoutes } from './metrics/metrics-routes';
import { hostGuard } from './http/host-header';
import { keepAliveHints } from './http/keep-alive-hint';
import { unknownRouteRateHeaders } from './api/unknown-route-rate-headers';
import { MONITOR_WEBSOCKET } from './monitor/monitor-routes';

/**
 * The whole HTTP surface. Each feature is its own Elysia plugin built from the shared context;
 * this file only composes them.
 */
export function createApp(ctx: AppContext) {
  const v1 = v1Routes(ctx);
  const app = new Elysia({
    name: 'gophergate',
    // standardHostname: false makes Elysia's router read the path right after `http://<host>`
    // (its default skips 11 characters, so a 1-3 character Host made it match a shorter path than
    // the one the /api guard checked). Hosts are validated first (hostGuard).
    handler: { standardHostname: false },
    // A monitor client that stops reading is closed rather than buffered for (monitor-routes.ts).
    websocket: MONITOR_WEBSOCKET,
    // What listen() hands to Bun.serve (src/serve.ts). Elysia merges its own routes with these,
    // and overwrites a `routes` given to listen() itself, so they are set here.
    serve: {
      // The /v1 endpoints on Bun's own router, past Elysia's per-request pipeline (api/v1-routes.ts).
      routes: bunRoutes(v1),
      // Oversized bodies are refused by the app in OpenAI's shape, not by Bun (see body-limit.ts).
      maxRequestBodySize: BUN_MAX_REQUEST_BODY_SIZE,
      // Elysia turns SO_REUSEPORT on by default: a second gateway (another database) would then
      // share the port and take part of the traffic. Off, a port in use stops the start (main.ts).
      reusePort: false,
      // A connection idle this long is closed (between requests; a /v1 request lifts it while it
      // waits on the upstream and sets it again once its answer is ready: api/openai-request.ts).
      idleTimeout: ctx.config.server.keepAliveTimeoutS,
    },
  })
    // JSON errors in the API's shape; dashboard pages asked for by a browser get an HTML page;
    // an unknown /v1 route's 404 carries the key's rate headers, as its other /v1 answers do.
    .use(errorHandlerWith(dashboardErrorPage(ctx), unknownRouteRateHeaders(ctx)))
    // Every /api answer, refusals included, is `cache-control: no-store` (first, so all carry it).
    .onRequest(noStoreForApi)
    // A dashboard address carrying a password or key is refused before anything reads it.
    .onRequest(refuseSecretsInUrl)
    // Every answer announces the idle limit as `Keep-Alive: timeout=N` (http/keep-alive-hint.ts).
    .use(keepAliveHints(ctx.config.server.keepAliveTimeoutS))
    .use(hostGuard)
    .use(bodyLimit(ctx))
    .use(swaggerRoutes())
    .use(healthRoutes(ctx))
    .use(corsRoutes())
    .use(metricsRoutes(ctx))
    // The same /v1 table in Elysia: OpenAPI document, app.handle, 404/405 for other methods.
    .use(v1Plugin(v1))
    .onStop(() => ctx.responseStore.flush())
    .use(adminApi(ctx))
    .use(dashboardRoutes(ctx));
  return app;
}

export type App = ReturnType<typeof createApp>;
