import type { AppContext } from '../context';
import { UpstreamError } from '../errors/api-error';
import { shownValue } from '../errors/shown-value';
import type { ChatRequest } from '../providers/types';
import { logRejectedChat } from '../proxy/chat-pipeline';
import { gatewayHeaders, recordFailure, recordRequest, type RequestMeta } from '../proxy/request-outcome';
import { runChatCompletion } from '../proxy/run-chat-completion';
import type { RouteDecision } from '../routing/types';
import { usageFromResponse } from '../usage/response-usage';
import { bridgeRequest, type BridgedRun } from './bridged-response';
import { compactionObject, keptUserItems, summaryRequest } from './bridged-compaction';
import { notSideAnswer, openaiSideCall } from './openai-side-calls';
import { promptOf } from './passthrough-response';
import type { ResponsesCaller } from './responses-answer';
import type { ResponsesRequest } from './responses-types';
import { goesToOpenAI, refuseHeldElsewhere, routeContinued } from './route-continued';
import { truncateToWindow } from './truncate-input';

const PATH = '/responses/compact';

type Answer = { json: string; headers: Record<string, string> };

/**
 * POST /v1/responses/compact, its body validated by the /v1 prelude: the model routed as on
 * POST /v1/responses (groups, stored responses continued). OpenAI's models compact at OpenAI (its
 * own POST /responses/compact, its answer relayed as it came and its usage billed like a
 * response's). Every other model is asked for a summary of the conversation through the chat
 * bridge (bridged-compaction.ts), and the answer is OpenAI's `response.compaction` object: the
 * user's messages, then a `compaction` item whose encrypted_content is the gateway's own
 * (`gg-compaction-v1:`, compaction-content.ts), which read back as input is the summary. One row,
 * endpoint `responses`, billed as the call that made the compaction.
 */
export async function compactResponse(ctx: AppContext, req: ResponsesRequest, opts: ResponsesCaller & { requestId: string }): Promise<Answer> {
  const { requestId } = opts;
  let decision: RouteDecision;
  let bridged: BridgedRun | null = null;
  try {
    decision = await routeContinued(ctx, req, opts, requestId);
    if (!goesToOpenAI(decision, req, opts)) {
      refuseHeldElsewhere(req, opts, 'compaction');
      bridged = bridgeRequest({ ctx, req: forSummary(req), decision, ...opts });
    }
  } catch (err) {
    logRejectedChat(ctx, err, req, { clientId: opts.clientId, teamId: opts.teamId, clock: opts.clock, endpoint: 'responses', requestId });
    throw err;
  }
  return bridged ? compactBridged(ctx, bridged, decision, opts) : compactAtOpenAI(ctx, req, decision, opts);
}

/**
 * The request as the bridge translates it for the summary: its function tools only (a built-in
 * tool a chat upstream cannot run has nothing to add to a summary), nothing that shapes an answer.
 */
function forSummary(req: ResponsesRequest): ResponsesRequest {
  const tools = Array.isArray(req.tools) ? req.tools.filter((t) => t?.type === 'function') : undefined;
  return { ...req, tools, tool_choice: undefined, text: undefined, include: undefined, top_logprobs: undefined, stream: false, background: false, store: false };
}

async function compactAtOpenAI(ctx: AppContext, req: ResponsesRequest, decision: RouteDecision, opts: ResponsesCaller & { requestId: string }): Promise<Answer> {
  const { requestId, clock } = opts;
  const meta: RequestMeta = { requestId, clientId: opts.clientId, teamId: opts.teamId, endpoint: 'responses', clock, modelRequested: req.model, stream: false };
  const walk = await openaiSideCall(ctx, decision, req, PATH, compactionOf, opts);
  if (!walk.ok) {
    // The client left once OpenAI had the request: the row bills its prompt, estimated.
    if (walk.error.status === 499) meta.chat = { model: req.model, messages: promptOf(req) } as ChatRequest;
    throw recordFailure(ctx, meta, { decision, walk }, walk.error);
  }
  let usage = null;
  try {
    usage = usageFromResponse(walk.value.json, 'openai');
  } catch {}
  // No usable usage: the row bills the prompt, estimated, as a response without usage is.
  if (usage === null) meta.chat = { model: req.model, messages: promptOf(req) } as ChatRequest;
  const overheadMs = clock.overhead();
  recordRequest(ctx, meta, { decision, walk, delivered: { usage, text: '' }, overheadMs });
  return { json: walk.value.text, headers: gatewayHeaders({ overheadMs, target: walk.target, decision, requestId }) };
}

/** OpenAI's compaction answer (`{object: "response.compaction", output: [...]}`), or the try fails. */
function compactionOf(json: any, text: string): { json: any; text: string } {
  if (json?.object !== 'response.compaction' || !Array.isArray(json.output)) throw notSideAnswer(PATH, 'a response.compaction object');
  return { json, text };
}

/**
 * A bridged model's compaction: the model summarises the conversation (summaryRequest) in one
 * chat run, whose row is the request's (endpoint `responses`, its usage and cost); the answer
 * holds the user's messages of the conversation and the summary as a compaction item.
 */
async function compactBridged(ctx: AppContext, { req, chat, conversation }: BridgedRun, decision: RouteDecision, opts: ResponsesCaller & { requestId: string }): Promise<Answer> {
  // A conversation past the model's window (what a compaction is for) loses its oldest turns rather
  // than failing on the provider's context-length error: as `truncation: "auto"` does (truncate-input.ts),
  // the instructions and the summary prompt kept.
  const asked = summaryRequest(chat);
  asked.messages = await truncateToWindow(asked.messages, { targets: decision.targets, hasInstructions: typeof req.instructions === 'string', maxOutputTokens: req.max_output_tokens });
  const r = await runChatCompletion(ctx, asked, {
    clientId: opts.clientId, teamId: opts.teamId, signal: opts.signal, dropClient: opts.dropClient, endpoint: 'responses', requestId: opts.requestId,
    clock: opts.clock, decision, clientHeaders: opts.clientHeaders, outputCap: opts.outputCap,
  });
  const content = r.completion.choices[0]?.message?.content;
  const summary = typeof content === 'string' ? content.trim() : '';
  // A compaction without a summary would drop the conversation without a word: refused (the row bills the call all the same).
  if (!summary) throw new UpstreamError(r.target.provider, null, `The model '${shownValue(r.target.modelId)}' answered the compaction with no summary; nothing was compacted. Try again, or compact with another model.`, false);
  const body = compactionObject(keptUserItems(conversation), summary, r.usage);
  const headers = gatewayHeaders({ overheadMs: opts.clock.overhead(), target: r.target, decision, requestId: opts.requestId });
  return { json: JSON.stringify(body), headers };
}
