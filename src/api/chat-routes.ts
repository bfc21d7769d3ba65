import type { AppContext } from '../context';
import type { ChatRequest } from '../providers/types';
import { startChat, type ChatStarted } from '../proxy/chat-pipeline';
import { toOpenAIUsage } from '../usage/types';
import { forwardableHeaders } from '../proxy/forward-headers';
import { openaiPost, type V1Answer } from './openai-request';
import { validateChatRequest } from './request-validation';
import type { V1Route } from './v1-route-types';

/** What the chat endpoint answers. */
function chatAnswer(r: ChatStarted): V1Answer {
  // A stream that had wholly arrived goes out as its bytes (stream-relay.ts Relayed.whole).
  if (r.kind === 'stream') return { stream: r.whole ?? r.body, headers: r.headers };
  // An answer whose upstream gave no usable usage (none, or nonsense counts the adapter took off)
  // carries the estimate its row bills (startChat's estimatedUsage), as the Responses and Messages
  // bridges' answers do: OpenAI's answers always carry usage, and clients that count tokens read it.
  if (r.usage?.estimated) return { json: JSON.stringify({ ...r.completion, usage: toOpenAIUsage(r.usage) }), headers: r.headers };
  // The upstream's own bytes when nothing in them had to change (no re-serialising).
  return { json: r.raw ?? JSON.stringify(r.completion), headers: r.headers };
}

/** POST /v1/chat/completions: OpenAI's chat API over every provider, streaming or not. */
export function chatCompletionsRoute(ctx: AppContext): V1Route {
  return {
    handler: openaiPost<ChatRequest>(
      ctx,
      // Not async: the handler waits on the upstream for most of the request's life, and each
      // async function on that wait keeps its frame, arguments and promise alive.
      ({ request, client, teamId, clock, body, requestId, dropClient, outputCap }) =>
        startChat(ctx, body, { clientId: client.id, teamId, signal: request.signal, dropClient, clock, requestId, clientHeaders: forwardableHeaders(request.headers), outputCap, estimatedUsage: true }).then(chatAnswer),
      { endpoint: 'chat', validate: validateChatRequest },
    ),
    detail: {
      tags: ['OpenAI API'],
      summary: 'Create a chat completion (OpenAI wire format, streaming or not)',
      description:
        "Body: OpenAI's chat completion request. `model` is a model id (`gpt-4o`), `provider/model` (`ollama/llama3`) " +
        'or a group name. Needs `Authorization: Bearer <client key>`. Response headers `x-gophergate-*` name the model, ' +
        "provider and route taken and the gateway's own overhead in ms.",
    },
  };
}
