import { forcesTool } from '../openai-compatible/forced-tool-thinking';
import { thinkingSwitch } from '../openai-compatible/reasoning-quirk';

/**
 * The most DeepSeek's thinking mode writes in one answer, reasoning included: "DEFAULT: 32K,
 * MAXIMUM: 64K" for deepseek-reasoner, the thinking mode, beside "DEFAULT: 4K, MAXIMUM: 8K" for
 * deepseek-chat, the non-thinking mode (api-docs.deepseek.com/quick_start/pricing); taken as
 * 64,000, the lower reading of "64K", as the seeded deepseek-reasoner limit is.
 */
export const DEEPSEEK_THINKING_MAX_OUTPUT = 64_000;

/**
 * A DeepSeek request's output limit, given its model's (the models table's). deepseek-chat's 8,192
 * is its non-thinking mode's: with `thinking: {type: "enabled"}` it answers in thinking mode, which
 * writes up to DEEPSEEK_THINKING_MAX_OUTPUT, and a client's max_tokens up to that goes as asked
 * (lowered to 8,192 it left the reasoning a few thousand tokens and cut answers off). A forced tool
 * call goes without thinking (forced-tool-thinking.ts), so it keeps the model's limit. Pure.
 */
export function deepseekOutputLimit(body: Record<string, unknown>, limit: number | null): number | null {
  if (limit === null || limit >= DEEPSEEK_THINKING_MAX_OUTPUT) return limit;
  return thinkingSwitch(body) === true && !forcesTool(body.tool_choice) ? DEEPSEEK_THINKING_MAX_OUTPUT : limit;
}
