import type { AppContext } from '../context';
import { ApiError } from '../errors/api-error';
import { SseParser } from '../providers/shared/sse-parser';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../providers/types';
import type { RouteDecision, RouteTarget } from '../routing';
import { usageOrEstimate } from '../usage/estimate-usage';
import type { Usage } from '../usage/types';
import { completionText } from './chat-log-record';
import { startChat, type ChatRunOptions } from './chat-runner';

/**
 * A non-stream chat completion run in-process (Responses API bridge, routing classifier):
 * same routing, fallback, breakers and log row as POST /v1/chat/completions. `usage` is the
 * upstream's, or an estimate when it gave none. Throws ApiError.
 */
export async function runChatCompletion(
  ctx: AppContext,
  body: ChatRequest,
  opts: ChatRunOptions = {},
): Promise<{ completion: ChatCompletion; usage: Usage; target: RouteTarget; decision: RouteDecision }> {
  const r = await startChat(ctx, { ...body, stream: false }, opts);
  if (r.kind !== 'json') throw new Error('unreachable: non-stream request streamed');
  const messages = Array.isArray(body.messages) ? (body.messages as any[]) : [];
  const usage = await usageOrEstimate(r.usage, messages, completionText(r.completion));
  return { completion: r.completion, usage, target: r.target, decision: r.decision };
}

/**
 * The streaming variant: resolves once the first chunk arrived (errors before that are thrown
 * as ApiError, with fallback already tried), then yields parsed chunks. Usage is always asked
 * for, so the last chunk before the end carries it (OpenAI's convention). A failure mid-stream
 * is thrown from the iterator; leaving the loop early aborts the upstream.
 */
export async function streamChatCompletion(
  ctx: AppContext,
  body: ChatRequest,
  opts: ChatRunOptions = {},
): Promise<{ target: RouteTarget; decision: RouteDecision; chunks: AsyncGenerator<ChatCompletionChunk> }> {
  const r = await startChat(ctx, { ...body, stream: true }, { ...opts, forceStreamUsage: true });
  if (r.kind !== 'stream') throw new Error('unreachable: stream request answered whole');
  const { body: stream, ended } = r;
  async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    const queue: string[] = [];
    const parser = new SseParser((e) => queue.push(e.data));
    let finished = false;
    let sawDone = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        parser.push(decoder.decode(value, { stream: true }));
        for (const data of queue.splice(0)) {
          // Read on to the end of the relay after [DONE]: cancelling it here would log the
          // request as closed by the client (499) although it finished normally.
          if (sawDone || data === '[DONE]') {
            sawDone = true;
            continue;
          }
          const chunk = JSON.parse(data);
          if (chunk?.error) {
            const end = await ended;
            throw end.error ?? new ApiError({ status: 502, message: String(chunk.error.message), type: 'api_error', code: 'upstream_error' });
          }
          yield chunk as ChatCompletionChunk;
        }
      }
    } finally {
      if (!finished) reader.cancel().catch(() => {});
    }
  }
  return { target: r.target, decision: r.decision, chunks: chunks() };
}
