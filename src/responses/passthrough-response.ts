import { ApiError } from '../errors/api-error';
import { withRequestId } from '../errors/request-id';
import { openUpstream, readBody } from '../proxy/open-upstream';
import { gatewayHeaders, recordFailure, recordRequest, type Delivered, type RequestMeta } from '../proxy/request-outcome';
import type { ChatRequest } from '../providers/types';
import type { MessageLike } from '../usage/estimate-usage';
import type { Usage } from '../usage/types';
import { settleAnswer, walkTargets } from '../proxy/walk-targets';
import { buildOpenAIResponsesCall, relayResponsesStream } from './openai-passthrough';
import { usageFromResponse } from './response-usage';
import type { ResponsesAnswer, ResponsesRun } from './responses-answer';
import type { ResponsesRequest } from './responses-types';

/**
 * OpenAI models: the Responses request goes to OpenAI's own /responses unchanged (built-in
 * tools, previous_response_id and store included) and the answer comes back byte for byte.
 * Fallback walks the leading OpenAI targets of the decision only.
 */
export async function passthroughResponse(run: ResponsesRun): Promise<ResponsesAnswer> {
  const { ctx, req, decision, clock } = run;
  const targets = decision.targets.slice(0, Math.max(1, decision.targets.findIndex((t) => t.provider !== 'openai')));
  const stream = req.stream === true;
  const meta: RequestMeta = { endpoint: 'responses', requestId: run.requestId, clientId: run.clientId, modelRequested: req.model, stream, clock };
  const walk = await walkTargets(ctx, { ...decision, targets }, (t, settings) =>
    openUpstream(ctx, t, buildOpenAIResponsesCall(req, t.upstreamModel, settings), { signal: run.signal, clock, apiKey: settings.apiKey }),
  { signal: run.signal, settledOnReturn: () => false });
  if (!walk.ok) throw recordFailure(ctx, meta, { decision, walk }, walk.error);
  const { value: up, target } = walk;
  // OpenAI keeps the response (unless store: false); the gateway keeps who made it, for retrieval.
  const recordOwner = (id: unknown) => {
    if (typeof id !== 'string' || !id || req.store === false) return;
    run.store.save(id, { clientId: run.clientId, model: target.modelId, messages: [], provider: 'openai', forwarded: true });
  };
  // The breaker hears once the answer is over, as for chat streams (the walk left it unsettled).
  const settle = (delivered: Delivered, error: ApiError | null, overheadMs: number) => {
    settleAnswer(ctx.breakers, target, error);
    recordRequest(ctx, meta, { decision, walk, delivered, error, overheadMs });
  };
  if (stream) {
    const overheadMs = clock.overhead();
    const headers = gatewayHeaders({ overheadMs, target, decision, requestId: run.requestId });
    const body = relayResponsesStream(up, ({ usage, error, responseId, text, chars }) => {
      recordOwner(responseId);
      // Cut before the terminal event (the client left, the upstream broke off): no usage came, so
      // the row bills the prompt and the delivered text, estimated (as a cut chat stream is).
      if (!usage) meta.chat = { model: req.model, messages: promptOf(req) } as ChatRequest;
      settle({ usage, text, chars }, error, overheadMs);
    });
    return { kind: 'stream', body, headers };
  }
  let text: string;
  try {
    text = await readBody(up, clock);
  } catch (err) {
    const error = withRequestId(ApiError.from(err), run.requestId);
    settle({ usage: null }, error, clock.overhead());
    throw error;
  }
  let usage: Usage | null = null;
  try {
    const json = JSON.parse(text);
    usage = usageFromResponse(json?.usage);
    recordOwner(json?.id);
  } catch {
    // Not JSON: still relayed as OpenAI sent it; nothing to account.
  }
  const overheadMs = clock.overhead();
  settle({ usage }, null, overheadMs);
  return { kind: 'json', body: text, headers: gatewayHeaders({ overheadMs, target, decision, requestId: run.requestId }) };
}

/**
 * The prompt of a Responses request as chat-like messages, for an estimate only: the
 * instructions, then the input (a string, or items whose `content` holds the text). What OpenAI
 * keeps for a `previous_response_id` is not known here, so a continued conversation is undercounted.
 */
function promptOf(req: ResponsesRequest): MessageLike[] {
  const out: MessageLike[] = [];
  if (typeof req.instructions === 'string') out.push({ role: 'system', content: req.instructions });
  if (typeof req.input === 'string') out.push({ role: 'user', content: req.input });
  else if (Array.isArray(req.input)) out.push(...(req.input as MessageLike[]));
  return out;
}
