import { badRequest } from '../errors/api-error';
import type { ChatRequest } from '../providers/types';
import type { MessagesRequest } from './anthropic-types';
import { shownValue } from '../errors/shown-value';
import { MIN_THINKING_BUDGET } from '../proxy/output-limit';
import { isOpenAIReasoningModel } from '../providers/openai/reasoning-models';
import { grokEffort } from '../providers/grok/grok-adapter';
import { deepseekAlwaysThinks } from '../providers/deepseek/deepseek-adapter';
import { kimiSwitchesThinking } from '../providers/moonshot/moonshot-adapter';

type Effort = 'low' | 'medium' | 'high';


/**
 * Anthropic's rules for `thinking` that hold on every model (its error messages): an object with
 * a `type`; `enabled` with an integer `budget_tokens` of at least 1024. Checked for every target.
 */
export function checkThinking(t: unknown): void {
  if (t === undefined || t === null) return;
  if (typeof t !== 'object' || Array.isArray(t)) throw badRequest('thinking: Input should be a valid dictionary or object', 'thinking');
  const { type, budget_tokens: budget } = t as Record<string, unknown>;
  if (typeof type !== 'string') throw badRequest('thinking.type: Field required', 'thinking.type');
  if (type !== 'enabled') return;
  if (budget === undefined || budget === null) throw badRequest('thinking.enabled.budget_tokens: Field required', 'thinking.budget_tokens');
  if (typeof budget !== 'number' || !Number.isSafeInteger(budget)) throw badRequest('thinking.enabled.budget_tokens: Input should be a valid integer', 'thinking.budget_tokens');
  if (budget < MIN_THINKING_BUDGET) {
    throw badRequest(`thinking.enabled.budget_tokens: Input should be greater than or equal to ${MIN_THINKING_BUDGET}`, 'thinking.budget_tokens');
  }
}

/** The thinking types Anthropic's API takes today (an unknown one would be silently dropped by translation). */
export const THINKING_TYPES = new Set(['enabled', 'disabled', 'adaptive', 'between_tools']);

/** The page Anthropic's refusal of a budget not below max_tokens sends the client to (its words end with it). */
const BUDGET_DOCS = 'https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size';

/** The beta under which a thinking budget is the whole turn's and may exceed max_tokens (Anthropic's extended-thinking docs). */
const INTERLEAVED_THINKING = /(^|,)\s*interleaved-thinking-2025-05-14\s*(,|$)/;

/**
 * The rules a translated request is held to besides checkThinking, which Anthropic's own API may
 * relax (so a native request is left for Anthropic to judge): a known `type`; no forced tool use
 * (`tool_choice` `any` or `tool`) while thinking is on, in Anthropic's words (translated, the
 * request was served, and the same request to Claude is a 400); and a budget below `max_tokens`
 * unless the client's `anthropic-beta` (`beta`) names interleaved thinking, as Anthropic requires
 * it (Claude Code sends that beta on every turn).
 */
export function checkThinkingForTranslation(req: MessagesRequest, beta?: string | null): void {
  const t = req.thinking;
  if (!t) return;
  if (!THINKING_TYPES.has(t.type)) {
    throw badRequest(`thinking.type: Input tag '${shownValue(t.type)}' does not match any of the expected tags: ${[...THINKING_TYPES].map((x) => `'${x}'`).join(', ')}`, 'thinking.type');
  }
  // Adaptive thinking is thinking on too: Anthropic refuses it beside a forced tool as it refuses a budget.
  const forced = req.tool_choice?.type === 'any' || req.tool_choice?.type === 'tool';
  if (forced && (t.type === 'enabled' || t.type === 'adaptive')) {
    throw badRequest('Thinking may not be enabled when tool_choice forces tool use.', 'tool_choice');
  }
  if (t.type === 'enabled' && typeof t.budget_tokens === 'number' && t.budget_tokens >= req.max_tokens && !(beta && INTERLEAVED_THINKING.test(beta))) {
    throw badRequest(`\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${BUDGET_DOCS}`, 'max_tokens');
  }
}

const EFFORTS: readonly Effort[] = ['low', 'medium', 'high'];

/**
 * The effort a thinking budget asks for: the higher of what the budget is in tokens (Gemini's own
 * OpenAI endpoint maps low/medium/high to 1K/8K/24K, so the boundaries sit between those) and
 * what share of `max_tokens` it takes (a fifth: medium; a third: high). The share is what clients
 * that size the budget from a level mean: the AI SDK's `reasoning: 'high'` on a model it does not
 * know (every non-Claude id) sends 60% of its assumed 4,096-token output, 2,458 of max_tokens
 * 6,554, which in tokens alone would be low; its `medium` is 1,229 of 5,325. Anthropic's smallest
 * budget, 1024 (the AI SDK's `low` everywhere), is the least thinking one can ask: low.
 */
function budgetEffort(budget: number, maxTokens: number): Effort {
  if (budget <= MIN_THINKING_BUDGET) return 'low';
  const byTokens = budget <= 4096 ? 0 : budget <= 16384 ? 1 : 2;
  const share = budget / maxTokens;
  const byShare = share >= 1 / 3 ? 2 : share >= 1 / 5 ? 1 : 0;
  return EFFORTS[Math.max(byTokens, byShare)]!;
}

/**
 * The effort a request asks for: `output_config.effort` when given, else the thinking budget
 * (budgetEffort). Adaptive thinking leaves the amount to the model: medium. `null`: thinking off
 * or not asked for.
 */
export function requestedEffort(req: MessagesRequest): Effort | 'none' | null {
  const t = req.thinking;
  const e = req.output_config?.effort;
  if (t?.type === 'disabled') return 'none';
  if (typeof e === 'string' && e) return e === 'low' ? 'low' : e === 'medium' ? 'medium' : 'high';
  if (t?.type === 'enabled') return budgetEffort(typeof t.budget_tokens === 'number' ? t.budget_tokens : 0, req.max_tokens);
  if (t?.type === 'adaptive' || t?.type === 'between_tools') return 'medium';
  return null;
}

/**
 * OpenAI models that take reasoning_effort (others answer 400 to it): the adapter's reasoning
 * models, and codex-mini. Not the GPT-5 chat models (gpt-5-chat-latest refuses it; gpt-5.1- and
 * gpt-5.2-chat-latest take only their default, `medium`): matching them as `gpt-5` made every
 * Claude Code turn to them OpenAI's 400.
 */
const takesReasoningEffort = (model: string) => isOpenAIReasoningModel(model) || /^codex/i.test(model);

/**
 * Anthropic `thinking` -> the provider's reasoning setting, on the chat request in place.
 * Thinking is a wish, not a contract (Claude Code sends it on every turn), so a model that
 * cannot reason simply answers without thinking blocks instead of failing:
 * - OpenAI: `reasoning_effort` on reasoning models (o-series, gpt-5 but its -chat models) only;
 * - Gemini: `reasoning_effort` (the adapter makes it a thinking budget or level, with thought
 *   summaries returned as thinking); `disabled` switches thinking off;
 * - xAI: the Grok models with an effort dial (grok-3-mini low or high, grok-4.3, grok-4.20-multi-agent)
 *   take `reasoning_effort`, fitted to the dial; `disabled` only where it has `none`; grok-4 always reasons;
 * - DeepSeek: deepseek-chat and the V4 models get DeepSeek's own switch, `thinking` enabled or
 *   disabled (deepseek-chat thinks only when told, V4 unless told not to: api-docs.deepseek.com
 *   guides/thinking_mode); deepseek-reasoner always thinks and gets nothing;
 * - Kimi: K2.5 and later K2.x get Kimi's own switch, the same `thinking` enabled or disabled (on
 *   unless told not to: platform.kimi.ai/docs/api/models-overview); kimi-k2-thinking always thinks
 *   and moonshot-v1 and the K2 previews never do, and get nothing; `reasoning_content` comes back
 *   as thinking blocks either way;
 * - Ollama: nothing but for gpt-oss, whose thinking takes a level (`reasoning_effort`). Ollama's
 *   other thinking models (qwen3, deepseek-r1) think unless told not to, and take no level on some
 *   releases (400 `think value "high" is not supported for this model`); a model that does not
 *   think refuses any effort (400 `"llama3.1:8b" does not support thinking`) but `none`. So
 *   `disabled` goes as `none`, the one word that tells qwen3 not to think (its OpenAI endpoint
 *   makes it `think: false`, openai/openai.go FromChatRequest) and that every model takes.
 */
export function applyThinking(chat: ChatRequest, req: MessagesRequest, provider: string, model: string): void {
  const effort = requestedEffort(req);
  if (effort === null) return;
  switch (provider) {
    case 'openai':
      if (effort !== 'none' && takesReasoningEffort(model)) chat.reasoning_effort = effort;
      return;
    case 'gemini':
      chat.reasoning_effort = effort as ChatRequest['reasoning_effort'];
      return;
    case 'grok': {
      // The effort its dial takes nearest (grokEffort); `disabled` only where the dial has `none` (grok-4.3).
      const fitted = grokEffort(model, effort);
      if (fitted !== undefined && (effort !== 'none' || fitted === 'none')) chat.reasoning_effort = fitted as ChatRequest['reasoning_effort'];
      return;
    }
    case 'ollama':
      if (effort === 'none' || /gpt-oss/i.test(model)) chat.reasoning_effort = effort;
      return;
    case 'deepseek':
    case 'moonshot':
      // Their own switch, on the models that have one.
      if (provider === 'deepseek' ? !deepseekAlwaysThinks(model) : kimiSwitchesThinking(model)) chat.thinking = { type: effort === 'none' ? 'disabled' : 'enabled' };
      return;
    case 'mock':
      if (effort !== 'none') chat.reasoning_effort = effort;
      return;
    default:
      return;
  }
}
