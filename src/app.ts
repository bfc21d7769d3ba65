import { Elysia } from 'elysia';
import type { AppContext } from './context';
import { adminApi } from './api/admin-api';
import { chatRoutes } from './api/chat-routes';
import { corsRoutes } from './api/cors-routes';
import { dashboardRoutes } from './dashboard/dashboard-routes';
import { errorHandler } from './api/error-handler';
import { healthRoutes } from './api/health-routes';
import { imagesRoutes } from './api/images-routes';
import { messagesRoutes } from './api/messages-routes';
import { responsesRoutes } from './api/responses-routes';
import { modelsRoutes } from './api/models-routes';
import { nativeRoutes } from './api/native-routes';
import { swaggerRoutes } from './api/swagger-routes';
import { metricsRoutes } from './metrics/metrics-routes';

/**
 * The whole HTTP surface. Each feature is its own Elysia plugin built from the shared context;
 * this file only composes them.
 */
export function createApp(ctx: AppContext) {
  const app = new Elysia({ name: 'gophergate' })
    .use(errorHandler)
    .use(swaggerRoutes())
    .use(healthRoutes(ctx))
    .use(corsRoutes())
    .use(metricsRoutes(ctx))
    .use(chatRoutes(ctx))
    .use(modelsRoutes(ctx))
    .use(responsesRoutes(ctx))
    .use(imagesRoutes(ctx))
    .use(messagesRoutes(ctx))
    .use(adminApi(ctx))
    .use(dashboardRoutes(ctx));
  // The hot /v1 endpoints go to Bun's router directly (see native-routes.ts); app.listen merges these.
  app.config.serve = { ...app.config.serve, routes: nativeRoutes(app) as any };
  return app;
}

export type App = ReturnType<typeof createApp>;
