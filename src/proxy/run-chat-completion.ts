import type { AppContext } from '../context';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../providers/types';
import type { RouteDecision, RouteTarget } from '../routing';
import { usageOrEstimate } from '../usage/estimate-usage';
import type { Usage } from '../usage/types';
import { chatChunks } from './chat-chunks';
import { completionText } from './request-outcome';
import { startChat, type ChatRunOptions } from './chat-pipeline';

/**
 * A non-stream chat completion run in-process (the Responses and Messages bridges):
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
  const usage = await usageOrEstimate(r.usage, messages, completionText(r.completion), undefined, body.tools);
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
): Promise<{ target: RouteTarget; decision: RouteDecision; chunks: AsyncGenerator<ChatCompletionChunk>; upstreamUsage: () => Usage | null }> {
  const r = await startChat(ctx, { ...body, stream: true }, { ...opts, forceStreamUsage: true });
  if (r.kind !== 'stream') throw new Error('unreachable: stream request answered whole');
  const { tally } = r;
  return { target: r.target, decision: r.decision, chunks: chatChunks(r.body, r.ended), upstreamUsage: () => tally.usage };
}
