import { badRequest } from '../../errors/api-error';
import { isAdaptiveOnly } from './anthropic-limits';
import type { AnthropicRequest } from './anthropic-wire';

/** Claude models that take `temperature` and `top_p` together: Claude 3 and the 4.0 pair (Opus 4.1 and later refuse both). */
const TAKES_TEMPERATURE_WITH_TOP_P = /claude-3|claude-(opus|sonnet)-4(-0)?(-\d{8})?$/;

/**
 * The client's temperature / top_p / top_k as the model takes them. Settings Anthropic refuses
 * in combination are left out rather than failing the request (as for OpenAI's reasoning
 * models): with thinking on, a temperature other than 1, a top_p below 0.95 and any top_k; on
 * the models that refuse temperature and top_p together, top_p when a temperature is given;
 * on Claude Opus 4.7 and later, which take none of them, all three.
 */
export function sampling(model: string, r: Record<string, any>, thinking: boolean): Pick<AnthropicRequest, 'temperature' | 'top_p' | 'top_k'> {
  const out: Pick<AnthropicRequest, 'temperature' | 'top_p' | 'top_k'> = {};
  if (isAdaptiveOnly(model)) return out;
  if (typeof r.temperature === 'number' && (!thinking || r.temperature === 1)) out.temperature = r.temperature;
  if (typeof r.top_p === 'number' && (!thinking || r.top_p >= 0.95)) out.top_p = r.top_p;
  // Not an OpenAI field, but Anthropic has it and some clients send it.
  if (typeof r.top_k === 'number' && !thinking) out.top_k = r.top_k;
  if (out.temperature !== undefined && out.top_p !== undefined && !TAKES_TEMPERATURE_WITH_TOP_P.test(model)) delete out.top_p;
  return out;
}

/**
 * OpenAI `stop` (a string or up to 4) -> stop_sequences. Empty ones stop nothing and are left out;
 * Anthropic refuses a whitespace-only one (`"\n"`) and has no way to stop there, so it is a 400.
 */
export function stopSequences(stop: unknown): string[] | undefined {
  const list = (typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : []).filter((s) => s !== '');
  if (list.some((s) => typeof s === 'string' && s.trim() === '')) {
    throw badRequest('Anthropic models cannot stop at a whitespace-only sequence (such as "\\n"); stop sequences must contain non-whitespace.', 'stop', 'unsupported_parameter');
  }
  return list.length ? list : undefined;
}
