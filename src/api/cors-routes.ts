import { Elysia } from 'elysia';
import { CORS_HEADERS } from '../http/v1-cors-headers';

/** Browser preflight for the /v1 API: any origin, the headers the OpenAI SDK sends. */
export function corsRoutes() {
  return new Elysia({ name: 'cors' }).options(
    '/v1/*',
    ({ request }) =>
      new Response(null, {
        status: 204,
        headers: {
          ...CORS_HEADERS,
          'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
          // The SDK sends authorization, content-type and its own x-stainless-* / openai-* headers.
          'access-control-allow-headers': request.headers.get('access-control-request-headers') ?? 'authorization, content-type',
          'access-control-max-age': '86400',
        },
      }),
    { detail: { hide: true } },
  );
}
