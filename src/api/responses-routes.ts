import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { createResponse } from '../responses/create-response';
import { ResponseStore } from '../responses/response-store';
import { openaiPost, SSE_HEADERS } from './openai-request';
import { responsesRetrievalRoutes } from './responses-retrieval-routes';
import { forwardableHeaders } from '../proxy/forward-headers';

const stores = new WeakMap<AppContext, ResponseStore>();

/** One store per app context, however many times the plugin is built. */
function storeFor(ctx: AppContext): ResponseStore {
  let s = stores.get(ctx);
  if (!s) stores.set(ctx, (s = new ResponseStore(ctx.sqlite, { enabled: ctx.config.responses.store, retentionDays: ctx.config.responses.retentionDays })));
  return s;
}

/** POST /v1/responses: OpenAI's Responses API for every provider (OpenAI passed through, others bridged). */
export function responsesRoutes(ctx: AppContext) {
  const store = storeFor(ctx);
  return new Elysia({ name: 'responses' })
    .onStop(() => store.flush())
    .use(responsesRetrievalRoutes(ctx, store))
    .post(
      '/v1/responses',
      openaiPost(ctx, async ({ request, client, clock, body, requestId }) => {
        const r = await createResponse(ctx, body, { clientId: client.id, signal: request.signal, clock, store, requestId, clientHeaders: forwardableHeaders(request.headers) });
        if (r.kind === 'json') return new Response(r.body, { headers: { ...r.headers, 'content-type': 'application/json' } });
        return new Response(r.body, { headers: { ...r.headers, ...SSE_HEADERS } });
      }),
      {
        parse: 'none',
        detail: {
          tags: ['OpenAI API'],
          summary: 'Create a model response (OpenAI Responses API, every provider)',
          description:
            'OpenAI models are passed through unchanged; other providers are bridged through chat completions ' +
            '(function tools, images, reasoning, structured output, streaming events, previous_response_id). ' +
            'Built-in tools (web_search, file_search, ...) work only on OpenAI models.',
        },
      },
    );
}
