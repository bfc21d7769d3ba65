import type { AppContext } from '../context';
import { createResponse } from '../responses/create-response';
import { openaiPost, v1AnswerOf } from './openai-request';
import { validateResponsesRequest } from './request-validation-responses';
import { forwardableHeaders } from '../proxy/forward-headers';
import type { V1Route } from './v1-route-types';

/** POST /v1/responses: OpenAI's Responses API for every provider (OpenAI passed through, others bridged). */
export function createResponseRoute(ctx: AppContext): V1Route {
  const store = ctx.responseStore;
  return {
    handler: openaiPost(ctx, async ({ request, client, teamId, clock, body, requestId, dropClient, outputCap }) => {
      return v1AnswerOf(await createResponse(ctx, body, { clientId: client.id, teamId, signal: request.signal, dropClient, clock, store, requestId, clientHeaders: forwardableHeaders(request.headers), outputCap }));
    }, { endpoint: 'responses', validate: validateResponsesRequest }),
    detail: {
      tags: ['OpenAI API'],
      summary: 'Create a model response (OpenAI Responses API, every provider)',
      description:
        'OpenAI and xAI (Grok) models are passed through unchanged to their own Responses APIs; other providers are bridged through chat completions ' +
        '(function tools, images, reasoning, structured output, streaming events, previous_response_id, item references). ' +
        'Built-in tools work only on OpenAI models (all of OpenAI\'s) and xAI models (web_search, x_search, code_interpreter, file_search, mcp).',
    },
  };
}
