import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import { assertKeyNotExpired } from '../limits/admit-request';
import { badRequest } from '../errors/api-error';
import type { ResponseStore } from '../responses/response-store';
import { cancelResponse, deleteResponse, listInputItems, retrieveResponse, type ReadAnswer, type ReadOptions } from '../responses/stored-response-reads';
import type { V1Handler, V1Route } from './v1-route-types';

type Read = (ctx: AppContext, store: ResponseStore, id: string, o: ReadOptions) => Promise<ReadAnswer>;

/** `resp_…` out of `/v1/responses/resp_…[/input_items|/cancel]`; a malformed escape (`%ZZ`) is the client's 400. */
function idOf(url: URL): string {
  try {
    return decodeURIComponent(url.pathname.split('/')[3] ?? '');
  } catch {
    throw badRequest('The response id in the path is not valid percent-encoded UTF-8.', 'response_id');
  }
}

/**
 * The prelude of the stored-response reads: the client key (not expired), then the read. They cost nothing
 * and leave no log row (they are not model requests); errors in OpenAI's shape (v1-routes.ts). A limited
 * key's answers, its 401 key_expired too, carry its rate headers as they are (nothing counted: v1Answer).
 */
function read(ctx: AppContext, fn: Read): V1Handler {
  return async (request, _server, key) => {
    const client = authenticateClient(ctx.state.getSnapshot(), request.headers.get('authorization'));
    // Its answers show the key's windows (v1Answer), as they are: a read counts against nothing.
    key.limits = client.limits;
    // An expired key reads nothing either (what it stored is conversation text), as on GET /v1/models.
    assertKeyNotExpired(ctx, client);
    const url = new URL(request.url);
    const r = await fn(ctx, ctx.responseStore, idOf(url), { clientId: client.id, search: url.search, signal: request.signal });
    return new Response(r.body, { status: r.status, headers: { 'content-type': r.contentType } });
  };
}

const docs = (summary: string, description: string) => ({ tags: ['OpenAI API'], summary, description });
const OWNER =
  'Covers every response made through the gateway with `store` not false: bridged ones from the gateway’s store, ' +
  'OpenAI’s own forwarded to OpenAI, xAI’s to xAI (retrieve and delete). Only the client key that made the response sees it; any other key gets 404. ' +
  'Free, and not logged as a request.';

/** GET /v1/responses/{id} */
export const retrieveResponseRoute = (ctx: AppContext): V1Route => ({
  handler: read(ctx, retrieveResponse),
  detail: docs(
    'Retrieve a stored model response',
    'With `stream=true` (and `starting_after`), a `background` response’s events are streamed: OpenAI’s own from OpenAI, a bridged one ' +
      'from the gateway instance that runs it (while it runs and for 10 minutes after); on any other response it is a 400 (param `stream`). ' +
      '`include` takes OpenAI’s values (an unknown one on a bridged response is a 400 `invalid_value`, param `include[i]`). ' + OWNER,
  ),
});

/** DELETE /v1/responses/{id} */
export const deleteResponseRoute = (ctx: AppContext): V1Route => ({
  handler: read(ctx, deleteResponse),
  detail: docs('Delete a stored model response', `Answers \`{id, object: "response", deleted: true}\`; afterwards the id is 404. A bridged \`background\` response still running is cancelled first (its upstream call ended, its row written). ${OWNER}`),
});

/** GET /v1/responses/{id}/input_items */
export const inputItemsRoute = (ctx: AppContext): V1Route => ({
  handler: read(ctx, listInputItems),
  detail: docs(
    "List a stored response's input items",
    `OpenAI's ResponseItemList: \`limit\` (1–100, default 20), \`order\` (\`asc\`|\`desc\`, default \`desc\`), \`after\` and \`before\` (item ids), \`include\` (OpenAI's values). ` +
      `\`instructions\` are not items. ${OWNER}`,
  ),
});

/** POST /v1/responses/{id}/cancel */
export const cancelResponseRoute = (ctx: AppContext): V1Route => ({
  handler: read(ctx, cancelResponse),
  detail: docs(
    'Cancel a background model response',
    'OpenAI’s own `background` responses are cancelled at OpenAI (the answer is the response, `status: "cancelled"`); a bridged one is ended ' +
      'by the gateway, and a stream following it ends with `response.incomplete` carrying the response, `status: "cancelled"` (one that already ' +
      'ended is answered as it is). Cancelling a synchronous response is a 400, as OpenAI answers. ' +
      OWNER,
  ),
});
