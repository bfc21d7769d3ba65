import { ApiError, UpstreamError } from '../errors/api-error';
import { withRequestId } from '../errors/request-id';
import { openUpstream, readBody, type OpenedUpstream } from '../proxy/open-upstream';
import { buildPassthroughLogRecord, gatewayHeaders, type PassthroughOutcome } from '../images/passthrough-log-record';
import { walkTargets } from '../proxy/execute-route';
import { buildOpenAIResponsesCall, relayResponsesStream } from './openai-passthrough';
import { usageFromResponse } from './response-usage';
import type { ResponsesAnswer, ResponsesRun } from './responses-answer';

const asApiError = (err: unknown) =>
  err instanceof ApiError ? err : new ApiError(500, 'Internal gateway error.', 'api_error', 'internal_error');

/**
 * OpenAI models: the Responses request goes to OpenAI's own /responses unchanged (built-in
 * tools, previous_response_id and store included) and the answer comes back byte for byte.
 * Fallback walks the leading OpenAI targets of the decision only.
 */
export async function passthroughResponse(run: ResponsesRun): Promise<ResponsesAnswer> {
  const { ctx, req, decision, clock } = run;
  const targets = decision.targets.slice(0, Math.max(1, decision.targets.findIndex((t) => t.provider !== 'openai')));
  const stream = req.stream === true;
  const o: PassthroughOutcome = {
    endpoint: 'responses', requestId: run.requestId, clientId: run.clientId, modelRequested: req.model, stream, clock,
    decision, target: null, attempts: [], usage: null, images: 0, error: null, overheadMs: 0,
  };
  const log = () => ctx.logSink.write(buildPassthroughLogRecord(o));
  // OpenAI keeps the response (unless store: false); the gateway keeps who made it, for retrieval.
  const recordOwner = (id: unknown) => {
    if (typeof id !== 'string' || !id || req.store === false) return;
    run.store.save(id, { clientId: run.clientId, model: o.target?.modelId ?? req.model, messages: [], provider: 'openai', forwarded: true });
  };
  let up: OpenedUpstream;
  try {
    const r = await walkTargets(ctx, { ...decision, targets }, o.attempts, (t, settings) => {
      o.target = t;
      return openUpstream(ctx, t, buildOpenAIResponsesCall(req, t.upstreamModel, settings), { signal: run.signal, clock, apiKey: settings.apiKey });
    }, { signal: run.signal, settledOnReturn: () => false });
    up = r.value;
    o.target = r.target;
  } catch (err) {
    o.error = withRequestId(asApiError(err), run.requestId);
    o.overheadMs = clock.overhead();
    log();
    throw o.error;
  }
  const target = o.target!;
  // Reported once the answer is over, as chat streams do: headers alone do not make a success,
  // or an upstream that always dies mid-stream (or mid-body) never opens its circuit.
  const settle = (error: ApiError | null) => {
    if (error instanceof UpstreamError && error.isRetryable) ctx.breakers.onFailure(target.provider, target.upstreamModel);
    else ctx.breakers.onSuccess(target.provider, target.upstreamModel);
  };
  if (stream) {
    o.overheadMs = clock.overhead();
    const headers = gatewayHeaders({ overheadMs: o.overheadMs, target, decision, requestId: run.requestId });
    const body = relayResponsesStream(up, ({ usage, error, responseId }) => {
      recordOwner(responseId);
      o.usage = usage;
      o.error = error;
      settle(error);
      log();
    });
    return { kind: 'stream', body, headers };
  }
  try {
    const text = await readBody(up, clock);
    try {
      const json = JSON.parse(text);
      o.usage = usageFromResponse(json?.usage);
      recordOwner(json?.id);
    } catch {
      // Not JSON: still relayed as OpenAI sent it; nothing to account.
    }
    o.overheadMs = clock.overhead();
    return { kind: 'json', body: text, headers: gatewayHeaders({ overheadMs: o.overheadMs, target, decision, requestId: run.requestId }) };
  } catch (err) {
    o.error = withRequestId(asApiError(err), run.requestId);
    throw o.error;
  } finally {
    settle(o.error);
    log();
  }
}
