import { Elysia } from 'elysia';
import { openapi } from '@elysiajs/openapi';
// Embedded into the binary: the UI must work offline, so nothing comes from a CDN.
import swaggerBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' };
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' };
import { SESSION_COOKIE } from '../auth/session-cookie';
import { monitorOpenApiPaths, monitorOpenApiSchemas } from '../monitor/monitor-openapi';
import { VERSION } from '../version';
import { adminBodiesAsTaken } from './openapi-admin-bodies';
import { V1_MODEL_PATH } from './openapi-v1-docs';
import { withSwaggerHeaders } from './swagger-headers';

const ASSETS = '/swagger/assets';

/** Swagger UI at /swagger and the OpenAPI document at /swagger/json. */
export function swaggerRoutes() {
  return new Elysia({ name: 'swagger' })
    // CSP (inline script by hash), X-Frame-Options and nosniff on the page, the document and the assets.
    .onAfterHandle(async ({ responseValue, path }) => {
      if (!path.startsWith('/swagger')) return;
      // The page names its document relatively (`swagger/json`, which also works under a proxy's
      // path prefix): at /swagger/ that was /swagger/swagger/json, a 404. Sent to /swagger instead.
      if (path === '/swagger/') return new Response(null, { status: 308, headers: { location: '../swagger' } });
      if (responseValue instanceof Response) return withSwaggerHeaders(responseValue);
      if (path === '/swagger/json' && responseValue && typeof responseValue === 'object') adminBodiesAsTaken(responseValue);
      if (typeof responseValue === 'string' || (responseValue && typeof responseValue === 'object'))
        return withSwaggerHeaders(typeof responseValue === 'string' ? new Response(responseValue, { headers: { 'content-type': 'text/html; charset=utf8' } }) : Response.json(responseValue));
    })
    .get(`${ASSETS}/swagger-ui-bundle.js`, () => new Response(Bun.file(swaggerBundle), {
      headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' },
    }), { detail: { hide: true } })
    .get(`${ASSETS}/swagger-ui.css`, () => new Response(Bun.file(swaggerCss), {
      headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=86400' },
    }), { detail: { hide: true } })
    .use(
      openapi({
        path: '/swagger',
        specPath: '/swagger/json',
        provider: 'swagger-ui',
        // Renders the page per request instead of a static Response (which Bun would serve past
        // every hook): the header hook above must see it. Swagger UI itself still loads /swagger/json.
        embedSpec: true,
        swagger: { cdn: `${ASSETS}/swagger-ui-bundle.js`, theme: `${ASSETS}/swagger-ui.css`, autoDarkMode: true },
        exclude: { paths: [/^\/swagger/, /^\/assets\//] },
        documentation: {
          info: {
            title: 'GopherGate',
            version: VERSION,
            description:
              'OpenAI-compatible LLM gateway. `/v1/*` takes a client key (`Authorization: Bearer <key>`); `/api/*` takes a dashboard session (cookie or `Authorization: Bearer <token>` from `POST /api/auth/login`). ' +
              'The live monitor is a WebSocket at `GET /api/monitor/ws` (session cookie or bearer token; its operation below describes the upgrade and the messages): one JSON message per finished request, without secrets.',
          },
          tags: [
            { name: 'OpenAI API', description: 'OpenAI-compatible endpoints' },
            { name: 'Anthropic API', description: "Anthropic's Messages API (client key as x-api-key or bearer), every provider" },
            { name: 'Admin', description: 'Dashboard JSON API' },
            { name: 'Usage', description: 'Request logs and usage rollups (dashboard JSON API)' },
            { name: 'System', description: 'Health and metrics' },
          ],
          components: {
            securitySchemes: {
              clientKey: { type: 'http', scheme: 'bearer', description: 'Client API key' },
              metricsToken: { type: 'http', scheme: 'bearer', description: 'LLM_PROXY__METRICS__TOKEN, when set (GET /metrics is open otherwise)' },
              anthropicKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: "The client API key as Anthropic's clients send it" },
              session: { type: 'http', scheme: 'bearer', description: 'Dashboard session token' },
              sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Dashboard session cookie (set by sign-in); a mutation sent with it also needs the `x-csrf-token` header (`csrf_token` from sign-in or GET /api/auth/me)' },
            },
            schemas: monitorOpenApiSchemas,
          },
          // The monitor WebSocket hides itself from the generator (it would write a `ws` method), as
          // `/v1/models/*` does (a literal `*`): both are written out here.
          paths: { ...monitorOpenApiPaths, ...V1_MODEL_PATH },
        },
      }),
    );
}
