import { Elysia } from 'elysia';
import type { AppContext } from './context';
import { adminApi } from './api/admin-api';
import { BUN_MAX_REQUEST_BODY_SIZE, bodyLimit } from './api/body-limit';
import { chatRoutes } from './api/chat-routes';
import { corsRoutes } from './api/cors-routes';
import { dashboardRoutes } from './dashboard/dashboard-routes';
import { errorHandler } from './api/error-handler';
import { healthRoutes } from './api/health-routes';
import { imagesRoutes } from './api/images-routes';
import { embeddingsRoutes } from './api/embeddings-routes';
import { messagesRoutes } from './api/messages-routes';
import { responsesRoutes } from './api/responses-routes';
import { modelsRoutes } from './api/models-routes';
import { nativeRoutes } from './api/native-routes';
import { swaggerRoutes } from './api/swagger-routes';
import { metricsRoutes } from './metrics/metrics-routes';
import { hostGuard } from './http/host-header';

/**
 * The whole HTTP surface. Each feature is its own Elysia plugin built from the shared context;
 * this file only composes them.
 */
export function createApp(ctx: AppContext) {
  // standardHostname: false makes Elysia's router read the path right after `http://<host>`
  // (its default skips 11 characters, so a 1-3 character Host made it match a shorter path than
  // the one the /api guard checked). Hosts are validated first (hostGuard).
  const app = new Elysia({ name: 'gophergate', handler: { standardHostname: false } })
    .use(errorHandler)
    .use(hostGuard)
    .use(bodyLimit(ctx))
    .use(swaggerRoutes())
    .use(healthRoutes(ctx))
    .use(corsRoutes())
    .use(metricsRoutes(ctx))
    .use(chatRoutes(ctx))
    .use(modelsRoutes(ctx))
    .use(responsesRoutes(ctx))
    .use(imagesRoutes(ctx))
    .use(embeddingsRoutes(ctx))
    .use(messagesRoutes(ctx))
    .use(adminApi(ctx))
    .use(dashboardRoutes(ctx));
  // The hot /v1 endpoints go to Bun's router directly (see native-routes.ts); app.listen merges these.
  app.config.serve = { ...app.config.serve, routes: nativeRoutes(app) as any };
  // Oversized bodies are refused by the app in OpenAI's shape, not by Bun (see body-limit.ts).
  app.config.serve.maxRequestBodySize = BUN_MAX_REQUEST_BODY_SIZE;
  return app;
}

export type App = ReturnType<typeof createApp>;
