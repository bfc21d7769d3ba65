import type { AppContext } from '../context';
import { countChatPrompt, firstReadingTarget } from '../proxy/count-prompt';
import { gatewayHeaders, recordFailure, recordRequest, type RequestMeta } from '../proxy/request-outcome';
import type { Walk } from '../proxy/walk-targets';
import type { RouteDecision, RouteTarget } from '../routing/types';
import { modelForLog } from '../routing/model-name';
import { ZERO_USAGE } from '../usage/types';
import { bridgeRequest } from './bridged-response';
import { notSideAnswer, openaiSideCall } from './openai-side-calls';
import type { ResponsesCaller } from './responses-answer';
import type { ResponsesRequest } from './responses-types';
import { goesToOpenAI, refuseHeldElsewhere, routeContinued } from './route-continued';

const PATH = '/responses/input_tokens';

/**
 * POST /v1/responses/input_tokens, its body validated by the /v1 prelude as a Responses request:
 * the model routed as on POST /v1/responses (groups, stored responses continued, so a name or id
 * that would fail there fails here). OpenAI counts the request itself when its first target is
 * OpenAI's (its own POST /responses/input_tokens); every other provider's is counted here, as
 * /v1/messages/count_tokens counts a translated request: the request as the bridge would send it
 * (estimateBridged). One row with endpoint `count_tokens`, zero tokens and zero cost: counting
 * uses no model. Answers OpenAI's `{object: "response.input_tokens", input_tokens}`.
 */
export async function countInputTokens(ctx: AppContext, req: ResponsesRequest, opts: ResponsesCaller & { requestId: string }): Promise<{ json: string; headers: Record<string, string> }> {
  const { requestId, clock } = opts;
  const meta: RequestMeta = { requestId, clientId: opts.clientId, teamId: opts.teamId, endpoint: 'count_tokens', clock, modelRequested: modelForLog(req.model), stream: false, errorShape: 'openai' };
  let decision: RouteDecision | null = null;
  let walk: Walk<number> | null = null;
  try {
    decision = await routeContinued(ctx, req, opts, requestId);
    if (goesToOpenAI(decision, req, opts)) {
      walk = await openaiSideCall(ctx, decision, req, PATH, countOf, opts);
      if (!walk.ok) throw walk.error;
    } else refuseHeldElsewhere(req, opts, 'input token count');
    const { inputTokens, target } = walk?.ok ? { inputTokens: walk.value, target: walk.target } : await estimateBridged(ctx, req, decision, opts);
    const overheadMs = clock.overhead();
    recordRequest(ctx, meta, { decision, walk: { target, attempts: walk?.attempts ?? [] }, delivered: { usage: ZERO_USAGE }, overheadMs });
    return { json: JSON.stringify({ object: 'response.input_tokens', input_tokens: inputTokens }), headers: gatewayHeaders({ overheadMs, target, decision, requestId }) };
  } catch (err) {
    throw recordFailure(ctx, meta, { decision, walk }, err);
  }
}

/** OpenAI's count from its answer (`{object: "response.input_tokens", input_tokens}`), or the try fails. */
function countOf(json: any): number {
  const n = json?.input_tokens;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw notSideAnswer(PATH, 'input_tokens');
  return n;
}

/**
 * The tokenizer's count of the request as the bridge sends it to the first target that reads its
 * content parts (firstReadingTarget: a part a target cannot read is refused for it with
 * /v1/responses' 400, and a group's next target counts): instructions, the conversation `previous_response_id` continues, the
 * input, the function tools, plus what a chat upstream is not sent but a Responses model reads (the
 * built-in tools' definitions, the `text.format` schema) as their JSON. Counting needs no provider
 * to honour anything: built-in tools and `tool_choice` are left out of the translation.
 */
async function estimateBridged(ctx: AppContext, req: ResponsesRequest, decision: RouteDecision, opts: ResponsesCaller & { requestId: string }): Promise<{ inputTokens: number; target: RouteTarget }> {
  const tools = Array.isArray(req.tools) ? req.tools : [];
  const builtIn = tools.filter((t) => t?.type !== 'function');
  const schema = (req.text?.format as { schema?: unknown } | undefined)?.schema;
  const extras = schema && typeof schema === 'object' ? [JSON.stringify(schema)] : [];
  // No input (instructions or tools alone): counted without a turn of its own (the bridge requires one).
  const noInput = req.input === undefined || req.input === null || (Array.isArray(req.input) && req.input.length === 0);
  const countable: ResponsesRequest = {
    ...req, input: noInput && typeof req.previous_response_id !== 'string' ? '' : req.input,
    tools: tools.filter((t) => t?.type === 'function'), tool_choice: undefined, stream: false, background: false, truncation: undefined,
  };
  const { chat, target } = firstReadingTarget(decision.targets, (t) => {
    const { chat } = bridgeRequest({ ctx, req: countable, decision: { ...decision, targets: [t] }, ...opts });
    if (countable.input === '') chat.messages.pop();
    return chat;
  });
  return { inputTokens: await countChatPrompt(chat, builtIn, extras, ctx.adapterDeps, opts.signal), target };
}
