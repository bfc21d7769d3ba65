import { checkModelName } from '../routing/model-name';
import type { AppContext } from '../context';
import { badRequest } from '../errors/api-error';
import type { ChatRequest } from '../providers/types';
import type { RequestClock } from '../proxy/request-clock';
import { routeChat } from '../proxy/route-chat';
import { bridgedResponse, bridgeRequest } from './bridged-response';
import { classifierCallModel, logRejectedChat } from '../proxy/chat-pipeline';
import { passthroughResponse } from './passthrough-response';
import type { BridgedRequest } from './request-to-chat';
import type { ResponsesAnswer, ResponsesRun } from './responses-answer';
import type { ResponseStore } from './response-store';
import type { ResponsesRequest } from './responses-types';

export interface CreateResponseOptions {
  clientId: number | null;
  signal?: AbortSignal;
  clock: RequestClock;
  store: ResponseStore;
  /** Client headers a provider may forward (see ChatCallContext.clientHeaders). */
  clientHeaders?: Readonly<Record<string, string>>;
  /** The log row's id (the /v1 prelude's, which a limited key's reservation waits on). */
  requestId?: string;
}

function validate(body: unknown): ResponsesRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  const req = body as ResponsesRequest;
  if (typeof req.model !== 'string' || !req.model) throw badRequest("'model' is required.", 'model');
  checkModelName(req.model);
  if (req.input !== undefined && typeof req.input !== 'string' && !Array.isArray(req.input)) {
    throw badRequest("'input' must be a string or an array of input items.", 'input');
  }
  if (req.stream !== undefined && req.stream !== null && typeof req.stream !== 'boolean') throw badRequest("'stream' must be a boolean.", 'stream');
  return req;
}

/** Where a Responses request goes: OpenAI as it is (bridge null), or the chat request it is bridged as. */
interface ResponsePlan {
  run: ResponsesRun;
  bridge: BridgedRequest | null;
}

/**
 * Validate, route the model like chat (groups included) and pick the path. A `previous_response_id`
 * the gateway stored (a bridged response) keeps the conversation on the bridge even when the
 * follow-up names an OpenAI model, because OpenAI has never seen that id.
 */
async function planResponse(ctx: AppContext, body: unknown, opts: CreateResponseOptions & { requestId: string }): Promise<ResponsePlan> {
  const req = validate(body);
  const callModel = classifierCallModel(ctx, opts.requestId, opts.clientId);
  const decision = await routeChat(ctx, req as unknown as ChatRequest, callModel, opts.signal);
  const run = { ...opts, ctx, req, decision };
  const prev = req.previous_response_id;
  // On PostgreSQL the stored conversation is read here (awaited), so the checks below find it in memory.
  if (typeof prev === 'string') await opts.store.load(prev);
  const ours = typeof prev === 'string' && opts.store.get(prev, opts.clientId) !== null;
  if (decision.targets[0]?.provider === 'openai' && !ours) return { run, bridge: null };
  return { run, bridge: bridgeRequest(run) };
}

/**
 * POST /v1/responses: OpenAI targets get the request as is; every other provider goes through
 * the chat bridge. A request refused before any upstream call (invalid, unroutable, unknown
 * history, untranslatable) is logged here, as chat logs its refusals; the paths log the rest.
 */
export async function createResponse(ctx: AppContext, body: unknown, opts: CreateResponseOptions): Promise<ResponsesAnswer> {
  const requestId = opts.requestId ?? crypto.randomUUID();
  let plan: ResponsePlan;
  try {
    plan = await planResponse(ctx, body, { ...opts, requestId });
  } catch (err) {
    logRejectedChat(ctx, err, body, { clientId: opts.clientId, clock: opts.clock, endpoint: 'responses', requestId });
    throw err;
  }
  return plan.bridge ? bridgedResponse(plan.run, plan.bridge) : passthroughResponse(plan.run);
}
