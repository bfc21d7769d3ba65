import { Elysia } from 'elysia';
import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import { toErrorResponse } from '../errors/api-error';
import type { ChatRequest } from '../providers/types';
import { logRejectedChat, startChat } from '../proxy/chat-runner';
import { RequestClock } from '../proxy/request-clock';
import { readJsonBody } from './request-validation-body';
import { validateChatRequest } from './request-validation';

/** OpenAI's error shape as a Response (routes answer errors themselves, without Elysia's parse). */
export function errorResponse(err: unknown, extra: Record<string, string> = {}): Response {
  const r = toErrorResponse(err);
  if (r.status === 500 && !(err as any)?.status) console.error('[gophergate] chat error:', (err as any)?.message ?? err);
  return new Response(JSON.stringify(r.body), {
    status: r.status,
    headers: { 'content-type': 'application/json', ...r.headers, ...extra },
  });
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies in front of the gateway not to buffer the stream.
  'x-accel-buffering': 'no',
};

/** POST /v1/chat/completions: OpenAI's chat API over every provider, streaming or not. */
export function chatRoutes(ctx: AppContext) {
  const maxBytes = ctx.config.server.maxBodyMb * 1024 * 1024;
  return new Elysia({ name: 'chat-routes' }).post(
    '/v1/chat/completions',
    async ({ request, server }) => {
      // LLM answers take minutes; the upstream timeouts govern, not Bun's 10 s socket idle limit.
      server?.timeout(request, 0);
      const clock = new RequestClock();
      try {
        const client = authenticateClient(ctx.state.getSnapshot(), request.headers.get('authorization'));
        let body: unknown = null;
        let req: ChatRequest;
        try {
          body = await readJsonBody(request, maxBytes);
          req = validateChatRequest(body);
        } catch (err) {
          logRejectedChat(ctx, err, body, { clientId: client.id, clock });
          throw err;
        }
        const r = await startChat(ctx, req, { clientId: client.id, signal: request.signal, clock });
        if (r.kind === 'json') {
          return new Response(JSON.stringify(r.completion), { headers: { ...r.headers, 'content-type': 'application/json' } });
        }
        return new Response(r.body, { headers: { ...r.headers, ...SSE_HEADERS } });
      } catch (err) {
        return errorResponse(err);
      }
    },
    {
      // The body is read and validated by hand: malformed JSON must be OpenAI's 400, not a 422.
      parse: 'none',
      detail: {
        tags: ['OpenAI API'],
        summary: 'Create a chat completion (OpenAI wire format, streaming or not)',
        description:
          "Body: OpenAI's chat completion request. `model` is a model id (`gpt-4o`), `provider/model` (`ollama/llama3`) " +
          'or a group name. Needs `Authorization: Bearer <client key>`. Response headers `x-gophergate-*` name the model, ' +
          "provider and route taken and the gateway's own overhead in ms.",
      },
    },
  );
}
