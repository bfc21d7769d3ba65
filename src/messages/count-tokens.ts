import type { AppContext } from '../context';
import { gatewayHeaders, recordFailure, recordRequest, type RequestMeta } from '../proxy/request-outcome';
import type { ChatRequest } from '../providers/types';
import type { Walk } from '../proxy/walk-targets';
import { modelForLog } from '../routing/model-name';
import type { RequestClock } from '../proxy/request-clock';
import { routeChat } from '../proxy/route-chat';
import { classifierCallModel } from '../proxy/chat-pipeline';
import type { RouteDecision } from '../routing';
import { countChatPrompt, firstReadingTarget } from '../proxy/count-prompt';
import { ZERO_USAGE } from '../usage/types';
import type { MessagesRequest } from './anthropic-types';
import { claudeModelAlias } from './claude-model-alias';
import { messagesToChat, outputFormat, outputSchemaOf, validateMessagesRequest } from './messages-to-chat';
import { newRequestId } from '../proxy/request-id';
import type { AdapterDeps } from '../providers/types';

/**
 * Where a provider with its own token count (Anthropic's /v1/messages/count_tokens) answers
 * instead of the estimate; null: estimate. It gets the client's body as it came (no max_tokens
 * added) and its walk's tries go on the row. See native-count-tokens.ts.
 */
export type NativeCount = (decision: RouteDecision, body: unknown, signal?: AbortSignal) => Promise<Walk<number>> | null;

/** A count_tokens body that passed validateCountRequest: as it came (for Anthropic's own count) and as a Messages request. */
export interface CountRequest {
  body: unknown;
  req: MessagesRequest;
}

/**
 * The Messages request as count_tokens takes it: like /v1/messages, without `max_tokens`. The
 * /v1 prelude runs it before admission; throws a 400 naming the field.
 */
export function validateCountRequest(body: unknown): CountRequest {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  return { body, req: validateMessagesRequest(b && b.max_tokens === undefined ? { ...b, max_tokens: 1 } : body) };
}

/**
 * POST /v1/messages/count_tokens, its body validated by the /v1 prelude (validateCountRequest):
 * the model is routed as on /v1/messages (so a name that would fail there fails here); Anthropic
 * counts the body itself when it is the first target (`native`), else the request is translated
 * for the provider and the prompt (messages, system, tool definitions) counted with the o200k
 * tokenizer off the main thread. Logged with endpoint `count_tokens`, zero tokens and zero cost:
 * counting uses no model.
 */
export async function countMessageTokens(
  ctx: AppContext,
  { body, req }: CountRequest,
  opts: { clientId: number | null; teamId: number | null; clock: RequestClock; signal?: AbortSignal; requestId?: string },
  native?: NativeCount,
): Promise<{ inputTokens: number; headers: Record<string, string> }> {
  const requestId = opts.requestId ?? newRequestId();
  const meta: RequestMeta = { requestId, clientId: opts.clientId, teamId: opts.teamId, endpoint: 'count_tokens', clock: opts.clock, modelRequested: modelForLog(req.model), stream: req.stream === true };
  let decision: RouteDecision | null = null;
  let walk: Walk<number> | null = null;
  try {
    const routed = claudeModelAlias(req.model, ctx.state.getSnapshot()) ?? req.model;
    decision = await routeChat(ctx, { ...req, model: routed } as unknown as ChatRequest, classifierCallModel(ctx, requestId, opts), opts.signal);
    // Anthropic counts the body as it came (as /v1/messages passes it natively), so blocks only
    // Anthropic knows (server tool results, URL or file documents) are never refused by a translation.
    walk = (await native?.(decision, body, opts.signal)) ?? null;
    if (walk && !walk.ok) throw walk.error;
    const { inputTokens, target } = walk ? { inputTokens: walk.value, target: decision.targets[0]! } : await estimatePrompt(req, decision.targets, ctx.adapterDeps, opts.signal);
    const overheadMs = opts.clock.overhead();
    // Counting uses no model: zero tokens, zero cost.
    recordRequest(ctx, meta, { decision, walk: { target, attempts: walk?.attempts ?? [] }, delivered: { usage: ZERO_USAGE }, overheadMs });
    return { inputTokens, headers: gatewayHeaders({ overheadMs, target, decision, requestId }) };
  } catch (err) {
    throw recordFailure(ctx, meta, { decision, walk }, err);
  }
}

/**
 * Counting needs no provider to honour anything: what /v1/messages would refuse for this
 * provider (server tools, containers, MCP servers, a schema format, the thinking budget; top_k, dropped there) is left out of the translation,
 * and counted as sent where it is sent: server tool definitions and MCP servers as their JSON, the
 * structured-output format as its schema's JSON (a bridged request carries it as `response_format`).
 * Claude Code counts its whole request.
 */
function countableRequest(req: MessagesRequest): { countable: MessagesRequest; serverTools: unknown[]; extras: string[] } {
  const tools = Array.isArray(req.tools) ? req.tools : [];
  const client = (t: any) => t && typeof t === 'object' && (t.type === undefined || t.type === null || t.type === 'custom');
  // `thinking` adds no prompt tokens, and its budget must not be held against the `max_tokens`
  // count_tokens does not take (Claude Code counts with a 31999-token budget).
  const countable = { ...req, tools: tools.filter(client), thinking: undefined, top_k: undefined, container: undefined, mcp_servers: undefined, output_config: undefined, output_format: undefined, thread: undefined };
  const extras: string[] = [];
  if (Array.isArray(req.mcp_servers) && req.mcp_servers.length) extras.push(JSON.stringify(req.mcp_servers));
  const schema = outputSchemaOf(outputFormat(req).format);
  if (schema) extras.push(JSON.stringify(schema));
  return { countable, serverTools: tools.filter((t) => !client(t)), extras };
}

type Target = RouteDecision['targets'][number];

/**
 * The tokenizer's estimate of the request translated for the first target that reads its content
 * parts (firstReadingTarget): a part /v1/messages refuses for a target (a PDF, by URL too, for
 * DeepSeek, Kimi, xAI, Ollama) is refused for it here, with the same 400, and a group's next target
 * counts. Counted: messages as the usage estimate counts them, plus tool definitions,
 * MCP servers and the output schema. A document by URL is downloaded, under the guard /v1/messages
 * downloads it with (its refusals are this answer's too), and counted as an inline PDF is, by its
 * pages: a fixed guess would be wrong by its page count, and Anthropic's own count_tokens reads the
 * document too.
 */
async function estimatePrompt(req: MessagesRequest, targets: Target[], deps: AdapterDeps, signal?: AbortSignal): Promise<{ inputTokens: number; target: Target }> {
  const { countable, serverTools, extras } = countableRequest(req);
  const { chat, target } = firstReadingTarget(targets, (t) => messagesToChat(countable, { model: req.model, provider: t.provider, upstreamModel: t.upstreamModel }));
  return { inputTokens: await countChatPrompt(chat, serverTools, extras, deps, signal), target };
}
