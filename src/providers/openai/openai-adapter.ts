import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import type { ProviderAdapter, UpstreamBody } from '../types';
import { callsResponses, isResponseObject, learnsResponsesOnly, parseResponsesAnswer, responsesCall } from './via-responses';
import { responsesStreamToChat } from './responses-stream-to-chat';
import { PROVIDER_CATALOG } from '../provider-catalog';
import { searchModelCallUsd } from '../../usage/openai-tool-prices';
import type { Usage } from '../../usage/types';
import { shortenToolCallIds } from './tool-call-id-limit';
import { isOpenAIReasoningModel } from './reasoning-models';
import { inlineRemoteFiles } from '../shared/remote-file';

/** OpenAI's models that do not reason (and refuse `reasoning_effort`): gpt-4o, gpt-4.1, gpt-3.5, chatgpt-4o, their fine-tunes. */
const DOES_NOT_REASON = /^(?:ft:)?(?:gpt-4|gpt-3\.5|chatgpt-)/i;

/**
 * The reasoning models that sample as a plain chat model when they do not reason: gpt-5.1 and
 * gpt-5.2 (and their dated snapshots), whose default effort is `none`. Not their -codex, -pro,
 * -mini variants, which have no `none` effort.
 */
const SAMPLES_WITHOUT_REASONING = /^gpt-5\.[12](?:-\d{4}-\d{2}-\d{2})?$/i;

/**
 * The effort an OpenAI model reasons at when a request names none: `medium` for the o-series and
 * GPT-5 (OpenAI's default), `high` for gpt-5-pro (the only one it takes); undefined for models that
 * do not reason, and for gpt-5.1 / gpt-5.2, whose default is `none`.
 */
export function openAIDefaultEffort(model: string): 'medium' | 'high' | undefined {
  if (!isOpenAIReasoningModel(model) || SAMPLES_WITHOUT_REASONING.test(model)) return undefined;
  return ONLY_HIGH.test(model) ? 'high' : 'medium';
}

/** gpt-5-pro and its snapshots: `high` is the only effort they take (lowering it is OpenAI's 400). */
export const ONLY_HIGH = /^gpt-5(?:\.\d+)?-pro/i;

/**
 * Whether OpenAI takes `temperature` / `top_p` (other than 1) for this model at this reasoning
 * effort. OpenAI's guides ("GPT-5.1 / GPT-5.2 parameter compatibility"): temperature, top_p and
 * logprobs are "only supported when using GPT-5.1 [GPT-5.2] with reasoning effort set to none";
 * requests to them "with any other reasoning effort setting, or to older GPT-5 models (gpt-5,
 * gpt-5-mini, gpt-5-nano) that include these fields will raise an error". `none` is the default of
 * both, so a request naming no effort takes them too. o-series and gpt-5 models never do. Later
 * models (gpt-5.3 and on) and the -codex/-pro variants are not covered by those pages, so their
 * sampling settings stay dropped until OpenAI documents them.
 */
function takesSamplingParams(model: string, effort: unknown): boolean {
  if (!isOpenAIReasoningModel(model)) return true;
  return SAMPLES_WITHOUT_REASONING.test(model) && (effort === undefined || effort === null || effort === 'none');
}

/**
 * Reasoning models reject `max_tokens` ("use max_completion_tokens instead") and, unless
 * takesSamplingParams says otherwise (gpt-5.1 and gpt-5.2 without reasoning), any temperature/top_p
 * other than the default 1, so those are mapped or dropped.
 */
export function reasoningModelParams(body: UpstreamBody): UpstreamBody {
  const model = String(body.model);
  if (!isOpenAIReasoningModel(model)) {
    // A hint such a model refuses (400 unsupported_parameter): left out, as for xAI's models without
    // an effort dial. A client's reasoning_effort sent to a group carries it here on fallback.
    if (body.reasoning_effort != null && DOES_NOT_REASON.test(model)) delete body.reasoning_effort;
    return body;
  }
  if (body.max_tokens != null) {
    body.max_completion_tokens ??= body.max_tokens;
    delete body.max_tokens;
  }
  if (takesSamplingParams(model, body.reasoning_effort)) return body;
  if (body.temperature != null && body.temperature !== 1) delete body.temperature;
  if (body.top_p != null && body.top_p !== 1) delete body.top_p;
  return body;
}

/**
 * OpenAI's search models (gpt-4o-search-preview, gpt-5-search-api...) search the web once per
 * chat request and bill the call beside the tokens; their answer counts no searches (only its
 * url_citation annotations show them), so each answer bills one (searchModelCallUsd).
 */
export function addSearchModelFee(usage: Usage, model: string): void {
  const fee = searchModelCallUsd(model);
  if (fee === undefined) return;
  usage.webSearches = 1;
  usage.webSearchUsd = fee;
}

/** OpenAI's request fitting, on the chat body whichever API it goes to: reasoning-model parameters, tool call ids past 40 characters. */
const fitForOpenAI = (body: UpstreamBody) => shortenToolCallIds(reasoningModelParams(body));

const chatAdapter = createOpenAICompatibleAdapter({
  id: 'openai',
  defaultBaseUrl: PROVIDER_CATALOG.openai.defaultBaseUrl,
  allowedTools: 'native',
  transformRequestBody(body, { deps }) {
    // A chat `file` part takes a document's bytes only (`file_data`), not a URL: a document given by URL is downloaded here.
    const downloading = inlineRemoteFiles(body, deps);
    return downloading ? downloading.then(() => fitForOpenAI(body)) : fitForOpenAI(body);
  },
  addFees: addSearchModelFee,
});

/**
 * OpenAI's chat API, but for the models it serves on /v1/responses only (via-responses.ts): their
 * calls go there, translated, and their answers come back as chat completions and chunks.
 */
export const openaiAdapter: ProviderAdapter = {
  ...chatAdapter,
  // Custom tools are OpenAI's own: its chat and Responses APIs take them (chat-to-responses-request.ts).
  customTools: 'native',
  buildChatCall(req, ctx, settings, deps) {
    if (!callsResponses(ctx)) return chatAdapter.buildChatCall(req, ctx, settings, deps);
    return responsesCall(req, ctx, settings, deps, settings.baseUrl || PROVIDER_CATALOG.openai.defaultBaseUrl, fitForOpenAI);
  },
  parseChatResponse(body, ctx) {
    return isResponseObject(body) ? parseResponsesAnswer(body, ctx) : chatAdapter.parseChatResponse(body, ctx);
  },
  chatStream(ctx, tally) {
    return callsResponses(ctx) ? responsesStreamToChat(ctx, tally) : chatAdapter.chatStream(ctx, tally);
  },
  learnFrom: learnsResponsesOnly,
};
