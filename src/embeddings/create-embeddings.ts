import type { AppContext } from '../context';
import { badRequest } from '../errors/api-error';
import { gatewayHeaders, recordFailure, recordRequest, type RequestMeta } from '../proxy/request-outcome';
import { walkTargets, type Walk } from '../proxy/walk-targets';
import type { RequestClock } from '../proxy/request-clock';
import { routeDeps } from '../proxy/route-chat';
import { classifierCallModel } from '../proxy/chat-pipeline';
import { routeRequest, type RouteDecision } from '../routing';
import type { ProviderSettings } from '../providers/types';
import { modelForLog } from '../routing/model-name';
import type { RouteTarget } from '../routing/types';
import { tokenCounter, type TokenCounter } from '../usage/token-counter';
import type { Usage } from '../usage/types';
import { EmbeddingData } from './embedding-body';
import { targetsForEmbeddings } from './embedding-targets';
import type { EmbeddingInputs, EmbeddingRequest, EmbeddingResult } from './embeddings-types';
import { geminiEmbeddings } from './gemini-embeddings';
import { mockEmbeddings } from './mock-embeddings';
import { ollamaEmbeddings } from './ollama-embeddings';
import { openaiEmbeddings } from './openai-embeddings';
import { EmbeddingsTooLarge, type CallOptions } from './upstream-json';
import type { ValidEmbeddings } from './validate-embeddings';
import { newRequestId } from '../proxy/request-id';

export interface EmbeddingsOptions {
  clientId: number | null;
  /** The team the request was admitted under (RequestMeta.teamId). */
  teamId: number | null;
  signal?: AbortSignal;
  /** The prelude's clock, started when the request arrived. */
  clock: RequestClock;
  counter?: TokenCounter;
  /** The log row's id (the /v1 prelude's, which a limited key's reservation waits on). */
  requestId?: string;
}

/** ~4 characters per token: the mock's own plausible, deterministic count (as its chat answers). */
const mockTokens = (i: EmbeddingInputs) =>
  i.kind === 'text' ? i.texts.reduce((a, t) => a + Math.max(1, Math.ceil(t.length / 4)), 0) : i.tokens.reduce((a, t) => a + t.length, 0);

/** One try on one concrete target: the provider's embeddings API, or a 400 naming the provider. */
async function embedOn(
  ctx: AppContext, t: RouteTarget, settings: ProviderSettings, req: EmbeddingRequest, inputs: EmbeddingInputs, opts: CallOptions,
): Promise<EmbeddingResult> {
  try {
    return await embedWith(ctx, t, settings, req, inputs, opts);
  } catch (err) {
    // An answer too large to read was computed all the same: billed as the inputs' estimate
    // (Gemini's and Ollama's batches bill what the provider answered themselves: embedding-batches.ts).
    if (err instanceof EmbeddingsTooLarge && !err.spent) {
      const input = await estimatePromptTokens(inputs, ctx.tokenCounter);
      err.spent = { usage: { input, cachedInput: 0, output: 0, reasoning: 0, estimated: true }, text: '' };
    }
    throw err;
  }
}

function embedWith(
  ctx: AppContext, t: RouteTarget, settings: ProviderSettings, req: EmbeddingRequest, inputs: EmbeddingInputs, opts: CallOptions,
): Promise<EmbeddingResult> {
  if (t.entry?.kind === 'image') {
    throw badRequest(`'${t.modelId}' is an image model, not an embedding model.`, 'model', 'model_not_supported');
  }
  switch (t.provider) {
    case 'openai': return openaiEmbeddings(ctx, t, req, settings, opts);
    case 'ollama': return ollamaEmbeddings(ctx, t, inputs, settings, opts);
    case 'gemini': return geminiEmbeddings(ctx, t, inputs, settings, opts);
    case 'mock': {
      const data = new EmbeddingData(inputs.encodingFormat);
      data.add(mockEmbeddings(inputs));
      return Promise.resolve({ data, model: t.upstreamModel, promptTokens: mockTokens(inputs) });
    }
    default:
      throw badRequest(`Provider '${t.provider}' has no embeddings API; use an openai, gemini, ollama or mock model.`, 'model', 'embeddings_not_supported');
  }
}

/** Prompt tokens where the upstream gave none: the texts counted by the tokenizer, token arrays by length. */
async function estimatePromptTokens(inputs: EmbeddingInputs, counter: TokenCounter): Promise<number> {
  if (inputs.kind === 'tokens') return inputs.tokens.reduce((a, t) => a + t.length, 0);
  const counts = await counter.count(inputs.texts);
  return counts.reduce((a, n) => a + n, 0);
}

/**
 * POST /v1/embeddings, its body validated by the /v1 prelude (validateEmbeddingRequest): route
 * the model (groups and fallback as for chat), call the provider's embeddings API, answer in
 * OpenAI's shape (base64 encoded by the gateway for the translated providers) and log one row:
 * prompt tokens, no completion, cost at the input price.
 */
export async function createEmbeddings(
  ctx: AppContext,
  { req, inputs }: ValidEmbeddings,
  opts: EmbeddingsOptions,
): Promise<{ body: string | Uint8Array<ArrayBuffer>[]; headers: Record<string, string> }> {
  const clock = opts.clock;
  const requestId = opts.requestId ?? newRequestId();
  const meta: RequestMeta = { endpoint: 'embeddings', requestId, clientId: opts.clientId, teamId: opts.teamId, modelRequested: modelForLog(req.model), stream: false, clock };
  let decision: RouteDecision | null = null;
  let walk: Walk<EmbeddingResult> | null = null;
  try {
    const snap = ctx.state.getSnapshot();
    // Only a group's rules read the text (a classifier group scores it); concrete names skip the join.
    const text = snap.groups.has(req.model) && inputs.kind === 'text' ? inputs.texts.join('\n') : '';
    ({ decision } = await routeRequest(req.model, { input: text }, routeDeps(ctx, classifierCallModel(ctx, requestId, opts), opts.signal)));
    // A model named directly keeps its own 400; a group tries the targets that can embed the input.
    if (snap.groups.has(req.model)) decision = targetsForEmbeddings(decision, inputs);
    walk = await walkTargets(ctx, decision, (t, settings) => embedOn(ctx, t, settings, req, inputs, { signal: opts.signal, clock, apiKey: settings.apiKey }), {
      signal: opts.signal,
      requestId,
    });
    if (!walk.ok) throw walk.error;
    const { value: result, target } = walk;
    const reported = result.promptTokens;
    const promptTokens = reported ?? (await estimatePromptTokens(inputs, opts.counter ?? tokenCounter));
    const usage: Usage = { input: promptTokens, cachedInput: 0, output: 0, reasoning: 0, estimated: reported === null };
    const out = result.raw ?? (result.data ?? new EmbeddingData(inputs.encodingFormat)).body(result.model, promptTokens);
    const overheadMs = clock.overhead();
    recordRequest(ctx, meta, { decision, walk, delivered: { usage }, overheadMs });
    return { body: out, headers: gatewayHeaders({ overheadMs, target, decision, requestId }) };
  } catch (err) {
    // A try the client abandoned after it was sent bills its prompt, estimated as an answer without usage is.
    meta.promptTokens = (counter) => estimatePromptTokens(inputs, counter);
    throw recordFailure(ctx, meta, { decision, walk }, err);
  }
}
