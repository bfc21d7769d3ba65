import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { AdapterDeps, ChatCallContext, ChatRequest, ProviderSettings, UpstreamBody, UpstreamCall } from '../types';
import type { Usage } from '../../usage/types';
import { bearerJsonPost } from '../shared/upstream-call';
import { inlineRemoteFiles } from '../shared/remote-file';
import { chatToResponsesRequest } from './chat-to-responses-request';
import { responseToChat } from './response-to-chat';
import { isResponsesOnlyByName, saysResponsesOnly } from './responses-only-models';

/**
 * The chat requests of OpenAI's Responses-only models (responses-only-models.ts) go to its
 * /v1/responses, translated there and back, so `openai/gpt-5-pro` answers on /v1/chat/completions
 * and /v1/messages as any chat model does.
 */

/** Whether this try's model is called through /v1/responses: by its name, or as OpenAI said of it (ctx.responsesOnly). */
export const callsResponses = (ctx: ChatCallContext): boolean => (ctx.responsesOnly ? ctx.responsesOnly.has(ctx.model) : isResponsesOnlyByName(ctx.model));

/**
 * The Responses call for a chat request: the body fitted as OpenAI's chat call would be (`fit`: its
 * reasoning-model parameters, tool call ids, documents by URL downloaded), then translated.
 */
export async function responsesCall(req: ChatRequest, ctx: ChatCallContext, settings: ProviderSettings, deps: AdapterDeps, base: string, fit: (body: UpstreamBody) => UpstreamBody): Promise<UpstreamCall> {
  const body: UpstreamBody = { ...req, model: ctx.model };
  await inlineRemoteFiles(body, deps);
  return bearerJsonPost(settings, '/responses', chatToResponsesRequest(fit(body), ctx.stream), undefined, base);
}

/** Whether a whole answer is a Responses object (the call went to /v1/responses), not a chat completion. */
export const isResponseObject = (body: any): boolean => body?.object === 'response';

/** A Responses answer as the chat completion the client asked for; never the upstream's bytes. */
export function parseResponsesAnswer(body: unknown, ctx: ChatCallContext): { completion: ChatCompletion; usage: Usage | null; verbatim: false } {
  return { ...responseToChat(body, ctx.model), verbatim: false };
}

/**
 * OpenAI's 404 on chat for a model it serves on /v1/responses only: the model is remembered (later
 * requests go there at once) and this try is made again, through Responses (open-attempt.ts).
 */
export function learnsResponsesOnly(err: { upstreamStatus?: number | null; message: string }, ctx: ChatCallContext): boolean {
  if (!ctx.responsesOnly || !saysResponsesOnly(err)) return false;
  ctx.responsesOnly.learn(ctx.model);
  return true;
}
