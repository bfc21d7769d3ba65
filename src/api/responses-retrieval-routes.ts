import { Elysia } from 'elysia';
import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import type { ResponseStore } from '../responses/response-store';
import { deleteResponse, listInputItems, retrieveResponse, type ReadAnswer, type ReadOptions } from '../responses/stored-response-reads';
import { nativeCapable, type NativeContext } from './native-routes';
import { errorResponse } from './openai-request';

type Read = (ctx: AppContext, store: ResponseStore, id: string, o: ReadOptions) => Promise<ReadAnswer>;

/** `resp_…` out of `/v1/responses/resp_…[/input_items]`. */
const idOf = (url: URL) => decodeURIComponent(url.pathname.split('/')[3] ?? '');

/**
 * The prelude of the stored-response reads: the client key, then the read. They cost nothing
 * and leave no log row (they are not model requests); errors in OpenAI's shape.
 */
function read(ctx: AppContext, store: ResponseStore, fn: Read) {
  return nativeCapable(async ({ request }: NativeContext) => {
    try {
      const client = authenticateClient(ctx.state.getSnapshot(), request.headers.get('authorization'));
      const url = new URL(request.url);
      const r = await fn(ctx, store, idOf(url), { clientId: client.id, search: url.search, signal: request.signal });
      return new Response(r.body, { status: r.status, headers: { 'content-type': r.contentType } });
    } catch (err) {
      return errorResponse(err);
    }
  });
}

const docs = (summary: string, description: string) => ({ detail: { tags: ['OpenAI API'], summary, description } });
const OWNER =
  'Covers every response made through the gateway with `store` not false: bridged ones from the gateway’s store, ' +
  'OpenAI’s own forwarded to OpenAI. Only the client key that made the response sees it; any other key gets 404. ' +
  'Free, and not logged as a request.';

/** GET/DELETE /v1/responses/{id} and GET /v1/responses/{id}/input_items. */
export function responsesRetrievalRoutes(ctx: AppContext, store: ResponseStore) {
  return new Elysia({ name: 'responses-retrieval' })
    .get('/v1/responses/:id', read(ctx, store, retrieveResponse), docs('Retrieve a stored model response', OWNER))
    .delete(
      '/v1/responses/:id',
      read(ctx, store, deleteResponse),
      docs('Delete a stored model response', `Answers \`{id, object: "response", deleted: true}\`; afterwards the id is 404. ${OWNER}`),
    )
    .get(
      '/v1/responses/:id/input_items',
      read(ctx, store, listInputItems),
      docs(
        "List a stored response's input items",
        `OpenAI's ResponseItemList: \`limit\` (1–100, default 20), \`order\` (\`asc\`|\`desc\`, default \`desc\`), \`after\` (an item id). ` +
          `\`instructions\` are not items. ${OWNER}`,
      ),
    );
}
