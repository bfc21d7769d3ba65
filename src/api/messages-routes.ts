import type { AppContext } from '../context';
import { countMessageTokens, validateCountRequest } from '../messages/count-tokens';
import { createMessage } from '../messages/create-message';
import { anthropicCount } from '../messages/native-count-tokens';
import { validateMessagesRequest } from '../messages/messages-to-chat';
import { upstreamBeta } from '../proxy/forward-headers';
import { openaiPost, v1AnswerOf } from './openai-request';
import type { V1Route } from './v1-route-types';

/** The Anthropic headers a client sent, kept for a native Anthropic upstream (others ignore them). */
function anthropicHeaders(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const version = request.headers.get('anthropic-version');
  if (version) out['anthropic-version'] = version;
  const beta = upstreamBeta(request.headers.get('anthropic-beta'));
  if (beta) out['anthropic-beta'] = beta;
  return out;
}

/**
 * POST /v1/messages: Anthropic's Messages API over every provider (natively to `anthropic`,
 * translated through chat for the others). The key may come as `x-api-key` or a bearer token;
 * errors are in Anthropic's shape. `anthropic-version` and `anthropic-beta` go to Anthropic and,
 * for other providers, have nothing to change. Claude Code adds `?beta=true`, which the path
 * match ignores.
 */
export function messagesRoute(ctx: AppContext): V1Route {
  return {
    handler: openaiPost(
      ctx,
      async ({ request, client, teamId, clock, body, requestId, dropClient, outputCap }) => {
        return v1AnswerOf(await createMessage(ctx, body, { clientId: client.id, teamId, signal: request.signal, dropClient, clock, requestId, anthropicHeaders: anthropicHeaders(request), outputCap }));
      },
      { endpoint: 'messages', dialect: 'anthropic', validate: validateMessagesRequest },
    ),
    detail: {
      tags: ['Anthropic API'],
      summary: 'Create a message (Anthropic Messages API, every provider, streaming or not)',
      description:
        "Body: Anthropic's Messages request (`model`, `max_tokens`, `messages`, `system`, `tools`, `tool_choice`, " +
        '`thinking`, `stop_sequences`, `stream`, …). `model` is any name /v1/chat/completions takes: an id, ' +
        '`provider/model` or a group. The client key goes in `x-api-key` or `Authorization: Bearer`; ' +
        '`anthropic-version` / `anthropic-beta` are accepted. Models on the `anthropic` provider get the body and ' +
        "those headers as they came, and answer in Anthropic's own JSON / event stream. Other providers are served through " +
        "the chat adapters; what a provider cannot honour (server tools, containers, …) is a 400 naming it; `top_k` goes only to providers that take it. Errors: " +
        '`{"type":"error","error":{"type","message","details":{"error_code"}}}` (the gateway\'s code in `details.error_code`). Streams send message_start, content_block_start/delta/stop, ' +
        'message_delta, message_stop, ping while the upstream is silent, and `event: error` if it fails midway.',
    },
  };
}

/** POST /v1/messages/count_tokens: the input tokens of a Messages request, in Anthropic's wire format. */
export function countTokensRoute(ctx: AppContext): V1Route {
  return {
    handler: openaiPost(
      ctx,
      async ({ request, client, teamId, clock, body, requestId }) => {
        const native = anthropicCount(ctx, clock, anthropicHeaders(request));
        const r = await countMessageTokens(ctx, body, { clientId: client.id, teamId, clock, signal: request.signal, requestId }, native);
        return { json: JSON.stringify({ input_tokens: r.inputTokens }), headers: r.headers };
      },
      { endpoint: 'count_tokens', dialect: 'anthropic', validate: validateCountRequest },
    ),
    detail: {
      tags: ['Anthropic API'],
      summary: 'Count the input tokens of a Messages request (Anthropic wire format)',
      description:
        "Body: a Messages request without `max_tokens`. Answers `{\"input_tokens\": N}`: Anthropic's own count for " +
        'models on the `anthropic` provider. For models not served by ' +
        "Anthropic it is the gateway's own tokenizer estimate of the translated prompt (messages, system, tools). " +
        'Logged with endpoint `count_tokens` and no cost.',
    },
  };
}
