import type { ChatRequest, ProviderId } from '../types';
import { geminiMajor, takesMediumLevel } from '../gemini/gemini-versions';
import { ONLY_HIGH, openAIDefaultEffort } from '../openai/openai-adapter';

/** The target whose effort is fitted: its provider and the model it is sent (a RouteTarget fits). */
export interface EffortTarget {
  provider: ProviderId;
  upstreamModel: string;
}

/**
 * The most of a budget's cap a translated target may spend thinking: half. Gemini and OpenAI's
 * reasoning models count thinking inside the output limit, so a thinking budget as large as the
 * cap (Claude Code asks 31,999 of 32,000) would spend it all and answer nothing, stopped at
 * max_tokens, the user paying for an empty answer. Half leaves the other half for the answer.
 */
export const CAPPED_THINKING_SHARE = 0.5;

/**
 * The most thinking tokens a target may be sent where a budget's cap lowered its output to `cap`:
 * the share of its output the client gave thinking (`share`: a Messages request's budget_tokens /
 * max_tokens, the rule the native Anthropic path keeps, output-limit.ts fitThinking), at most half
 * the cap (CAPPED_THINKING_SHARE), at least one token.
 */
export function thinkingCapOf(cap: number, share?: number): number {
  const s = share !== undefined && share > 0 ? Math.min(share, CAPPED_THINKING_SHARE) : CAPPED_THINKING_SHARE;
  return Math.max(1, Math.floor(cap * s));
}

/** Efforts from least to most thinking. */
const ORDER = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
/** The thinking tokens each effort stands for (Gemini's and the Anthropic adapter's steps: low 1K, medium 8K, high 24K). */
const NOMINAL: [string, number][] = [['high', 24_576], ['medium', 8192], ['low', 1024]];

/**
 * A capped request's `reasoning_effort` for a target whose only thinking dial is a level (OpenAI's
 * reasoning models, Gemini 3, xAI, DeepSeek, Ollama), as cappedEffort fits it. The same request when nothing is lowered.
 */
export function effortWithinCap(req: ChatRequest, thinkingCap: number, target: EffortTarget): ChatRequest {
  const effort = typeof req.reasoning_effort === 'string' ? req.reasoning_effort : defaultEffortOf(target);
  if (effort === undefined) return req;
  const fits = cappedEffort(effort, thinkingCap, target);
  return fits === effort ? req : { ...req, reasoning_effort: fits as ChatRequest['reasoning_effort'] };
}

/**
 * The effort a capped target thinks at when the request names none, where a cap may have to lower it:
 * OpenAI's reasoning models (medium by default: 8K of thinking, which a cap of a few thousand tokens
 * would spend whole). Gemini 3's default `high` is fitted in its adapter (gemini-generation-config.ts);
 * other providers' defaults are left to them.
 */
export function defaultEffortOf(target: EffortTarget): string | undefined {
  return target.provider === 'openai' ? openAIDefaultEffort(target.upstreamModel) : undefined;
}

/**
 * The effort level (chat's `reasoning_effort`, Responses' `reasoning.effort`) a capped target is
 * sent for the client's `effort`: lowered to the highest level whose thinking fits `thinkingCap`,
 * never below `low` (the least every reasoning model takes), never raised; `effort` itself when
 * nothing is lowered. Claude targets keep theirs: the Anthropic adapter sends its budget beside the
 * cap (max_tokens is raised by it), and the budget's worst case prices it there. Gemini 2.5 keeps
 * its effort too: its adapter sends a token budget, held to `thinkingCap` there
 * (ChatCallContext.thinkingCap). xAI's grok-3-mini and Gemini 3 Pro (3.0) take low or high only, so a
 * medium there becomes low (Gemini's adapter would send Gemini 3 Pro's medium as high). gpt-5-pro
 * keeps `high`, the only effort it takes.
 */
export function cappedEffort(effort: string, thinkingCap: number, target: EffortTarget): string {
  if (target.provider === 'anthropic' || (target.provider === 'openai' && ONLY_HIGH.test(target.upstreamModel))) return effort;
  if (target.provider === 'gemini' && geminiMajor(target.upstreamModel) < 3) return effort;
  let fits = NOMINAL.find(([, n]) => n <= thinkingCap)?.[0] ?? 'low';
  if (fits === 'medium' && (target.provider === 'grok' || (target.provider === 'gemini' && !takesMediumLevel(target.upstreamModel)))) fits = 'low';
  const rank = ORDER.indexOf(effort);
  return rank < 0 || rank <= ORDER.indexOf(fits) ? effort : fits;
}
