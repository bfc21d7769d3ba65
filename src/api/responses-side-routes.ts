import type { AppContext } from '../context';
import { forwardableHeaders } from '../proxy/forward-headers';
import { compactResponse } from '../responses/compact-response';
import { countInputTokens } from '../responses/count-input-tokens';
import { openaiPost } from './openai-request';
import { validateCompactRequest, validateInputTokensRequest } from './request-validation-responses';
import type { V1Route } from './v1-route-types';

/** POST /v1/responses/input_tokens: OpenAI's "Get input token counts" for every provider. */
export function inputTokensRoute(ctx: AppContext): V1Route {
  const store = ctx.responseStore;
  return {
    handler: openaiPost(ctx, async ({ request, client, teamId, clock, body, requestId }) => {
      return countInputTokens(ctx, body, { clientId: client.id, teamId, signal: request.signal, clock, store, requestId });
    }, { endpoint: 'count_tokens', validate: validateInputTokensRequest }),
    detail: {
      tags: ['OpenAI API'],
      summary: 'Count the input tokens of a Responses request (every provider)',
      description:
        'Body: a POST /v1/responses request (`model`, `input`, `instructions`, `tools`, `previous_response_id`, …) without `stream` or `background`. ' +
        'Answers `{"object": "response.input_tokens", "input_tokens": N}`: OpenAI\'s own count for OpenAI models; for every other provider ' +
        "the gateway's tokenizer estimate of the request as the Responses bridge sends it (instructions, conversation, tool definitions, output schema). " +
        'Logged with endpoint `count_tokens` and no cost.',
    },
  };
}

/** POST /v1/responses/compact: OpenAI's compaction for every provider. */
export function compactRoute(ctx: AppContext): V1Route {
  const store = ctx.responseStore;
  return {
    handler: openaiPost(ctx, async ({ request, client, teamId, clock, body, requestId, dropClient, outputCap }) => {
      return compactResponse(ctx, body, { clientId: client.id, teamId, signal: request.signal, dropClient, clock, store, requestId, clientHeaders: forwardableHeaders(request.headers), outputCap });
    }, { endpoint: 'responses', validate: validateCompactRequest }),
    detail: {
      tags: ['OpenAI API'],
      summary: 'Compact a conversation (OpenAI Responses API, every provider)',
      description:
        'Body: `model`, `input` and/or `previous_response_id`, `instructions` (and what Codex sends beside them: `tools`, `reasoning`, …). ' +
        "Answers OpenAI's `response.compaction` object: `output` holds the user's messages, then one `compaction` item to send back as input. " +
        "OpenAI models compact at OpenAI (its answer as it came, billed like a response). Other providers' models are asked for a summary of the conversation; " +
        'their compaction item\'s `encrypted_content` starts `gg-compaction-v1:` and, sent back as input to /v1/responses, is that summary for any model ' +
        "(OpenAI's models get it as a user message). An encrypted compaction OpenAI made is refused for a non-OpenAI model (400 `unsupported_input_item`). " +
        'Logged with endpoint `responses`.',
    },
  };
}
