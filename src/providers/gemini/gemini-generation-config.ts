import { badRequest } from '../../errors/api-error';
import { inlineSchemaRefs } from '../shared/inline-schema-refs';
import { hasLogitBias } from '../shared/unsupported-params';
import type { ChatRequest } from '../types';
import type { GeminiGenerationConfig, GeminiThinkingConfig } from './gemini-wire';
import { shownValue } from '../../errors/shown-value';
import { geminiMajor, takesMediumLevel } from './gemini-versions';
import { cappedEffort } from '../shared/capped-thinking';

/**
 * Sampling, length, stop, JSON output and thinking settings -> Gemini's generationConfig.
 * `showThoughts`: the client asked to see the reasoning (ChatCallContext.showReasoning), so
 * thought summaries are asked for even without a reasoning_effort (the model's own thinking
 * budget or level is left as it is). `thinkingCap`: a budget's cap lowered the output (ChatCallContext.thinkingCap).
 */
export function convertGenerationConfig(req: ChatRequest, model: string, showThoughts = false, thinkingCap?: number): GeminiGenerationConfig | undefined {
  const g: GeminiGenerationConfig = {};
  const r = req as Record<string, any>;
  refuseUnsupported(r);
  if (typeof r.temperature === 'number') g.temperature = r.temperature;
  if (typeof r.top_p === 'number') g.topP = r.top_p;
  // Not an OpenAI field, but some clients send it for providers that have it.
  if (typeof r.top_k === 'number') g.topK = r.top_k;
  const maxTokens = r.max_completion_tokens ?? r.max_tokens;
  if (typeof maxTokens === 'number') g.maxOutputTokens = maxTokens;
  if (typeof r.stop === 'string') g.stopSequences = [r.stop];
  else if (Array.isArray(r.stop) && r.stop.length) g.stopSequences = r.stop;
  if (typeof r.n === 'number' && r.n !== 1) g.candidateCount = r.n;
  // Gemini's seed is an int32 (Google 400s "Invalid value at 'generation_config.seed' (TYPE_INT32)"),
  // OpenAI's an int64: wrapped to 32 bits, the same seed always the same one, unchanged within range.
  if (typeof r.seed === 'number') g.seed = r.seed | 0;
  if (typeof r.presence_penalty === 'number') g.presencePenalty = r.presence_penalty;
  if (typeof r.frequency_penalty === 'number') g.frequencyPenalty = r.frequency_penalty;

  const rf = r.response_format;
  if (rf?.type === 'json_object') {
    g.responseMimeType = 'application/json';
  } else if (rf?.type === 'json_schema') {
    const schema = rf.json_schema?.schema;
    if (!schema || typeof schema !== 'object') throw badRequest('response_format.json_schema.schema is required.', 'response_format.json_schema.schema');
    g.responseMimeType = 'application/json';
    // The same validator as the tools' schemas: local $refs inlined as there (gemini-tools.ts).
    g.responseJsonSchema = inlineSchemaRefs(schema);
  } else if (rf !== undefined && rf !== null && rf?.type !== 'text') {
    throw badRequest(`Unsupported response_format type '${shownValue(rf?.type)}'.`, 'response_format.type');
  }

  const thinking = thinkingConfig(r.reasoning_effort, model);
  if (thinking) g.thinkingConfig = thinking;
  else if (showThoughts) g.thinkingConfig = { includeThoughts: true };
  if (thinkingCap !== undefined) {
    if (geminiMajor(model) >= 3) fitThinkingLevel(g, model, thinkingCap);
    else fitThinkingBudget(g, model, thinkingCap);
  }
  return Object.keys(g).length ? g : undefined;
}

/**
 * OpenAI chat parameters the translation does not carry to Gemini: refused with a 400 naming them
 * rather than silently dropped, since the client would get something other than what it asked
 * for. Gemini's logprobs (responseLogprobs, logprobsResult) are not translated to OpenAI's
 * `choices[].logprobs` (the client would read `logprobs: null` as an answer without them); Gemini
 * has no logit bias (a token the client banned could come all the same; an empty one is taken); the
 * deprecated `functions` would be lost, the model answering as if it had no tools; a web search
 * (Google Search grounding) or spoken audio would quietly not happen.
 */
function refuseUnsupported(r: Record<string, any>): void {
  const refuse = (param: string, what = param) => {
    throw badRequest(`Gemini models do not support ${what} through the gateway.`, param, 'unsupported_parameter');
  };
  if (r.logprobs === true) refuse('logprobs');
  if (r.top_logprobs != null) refuse('top_logprobs');
  if (hasLogitBias(r.logit_bias)) refuse('logit_bias');
  if (Array.isArray(r.functions) || r.function_call != null) refuse('functions', 'the deprecated functions/function_call (use tools)');
  if (r.web_search_options != null) refuse('web_search_options');
  if (r.audio != null || (Array.isArray(r.modalities) && r.modalities.includes('audio'))) refuse('modalities', 'audio output (modalities: audio)');
}

/**
 * reasoning_effort -> thinkingConfig. Gemini 3 takes a thinking level, Gemini 2.5 a token budget
 * (the two are mutually exclusive: sending both is a 400). Budgets follow Google's own
 * OpenAI-compatible endpoint (low 1K, medium 8K, high 24K). Pro models cannot switch thinking
 * off, so `none` gives them the smallest setting they accept instead of an upstream 400.
 * Thought summaries are asked for so they can come back as reasoning_content.
 */
const BUDGETS: Record<string, number> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576, xhigh: 24576, max: 24576 };

function thinkingConfig(effort: unknown, model: string): GeminiThinkingConfig | undefined {
  if (effort === undefined || effort === null) return undefined;
  if (typeof effort !== 'string') throw badRequest('reasoning_effort must be a string.', 'reasoning_effort');
  if (!(effort in BUDGETS)) throw badRequest(`Unknown reasoning_effort '${shownValue(effort)}'.`, 'reasoning_effort');
  const pro = /-pro/i.test(model);
  const off = effort === 'none';
  if (geminiMajor(model) >= 3) {
    // Gemini 3 Pro (3.0) takes only low and high (3.1 Pro and the Flash models take medium too).
    const medium = takesMediumLevel(model) ? 'medium' : 'high';
    const level: GeminiThinkingConfig['thinkingLevel'] =
      off || effort === 'minimal' ? (pro ? 'low' : 'minimal') : effort === 'low' ? 'low' : effort === 'medium' ? medium : 'high';
    return { thinkingLevel: level, includeThoughts: !off };
  }
  if (off && pro) return { thinkingBudget: 128, includeThoughts: false };
  return off ? { thinkingBudget: 0 } : { thinkingBudget: BUDGETS[effort]!, includeThoughts: true };
}

/** Gemini 2.5's least thinking budgets where thinking is on (Google's thinking guide): Pro 128, Flash-Lite 512. */
const leastBudget = (model: string) => (/-pro/i.test(model) ? 128 : /flash-lite/i.test(model) ? 512 : 1);

/**
 * Gemini 2.5 under a budget's cap (its thinking counts inside maxOutputTokens): the thinking budget
 * is held to `thinkingCap` (at most half the cap, providers/shared/capped-thinking.ts), so the model cannot
 * spend the whole cap thinking and answer nothing. A request without an effort gets it too, as 2.5
 * Flash and Pro think by default with a dynamic budget of up to 24K (Flash-Lite, which does not,
 * and 2.0 are left alone). Gemini 3 takes a level, lowered before (effortWithinCap).
 */
function fitThinkingBudget(g: GeminiGenerationConfig, model: string, thinkingCap: number): void {
  if (g.thinkingConfig?.thinkingLevel !== undefined) return;
  const t = g.thinkingConfig ?? {};
  if (t.thinkingBudget === 0) return;
  if (t.thinkingBudget === undefined && !(/gemini-2\.5-(flash|pro)/i.test(model) && !/flash-lite/i.test(model))) return;
  const budget = Math.max(leastBudget(model), Math.min(t.thinkingBudget ?? Infinity, thinkingCap));
  if (budget !== t.thinkingBudget) g.thinkingConfig = { ...t, thinkingBudget: budget };
}

/**
 * Gemini 3 under a budget's cap without a reasoning_effort (one given was lowered before,
 * effortWithinCap): Gemini 3 thinks at `high` by default, counted inside maxOutputTokens, so a
 * small cap could go to thinking alone. It gets the level cappedEffort fits below `thinkingCap` for
 * that default (at least low; where high fits, the model's own default stays). A level, not a
 * thinkingBudget, which Gemini 3 takes only as a deprecated fallback.
 */
function fitThinkingLevel(g: GeminiGenerationConfig, model: string, thinkingCap: number): void {
  if (g.thinkingConfig?.thinkingLevel !== undefined) return;
  const level = cappedEffort('high', thinkingCap, { provider: 'gemini', upstreamModel: model });
  if (level !== 'high') g.thinkingConfig = { ...g.thinkingConfig, thinkingLevel: level as GeminiThinkingConfig['thinkingLevel'] };
}
