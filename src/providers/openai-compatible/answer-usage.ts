import { serviceTierOf, ZERO_USAGE, type BillExtras, type Usage } from '../../usage/types';
import type { OpenAICompatibleOptions } from './openai-compatible-options';

/**
 * The canonical usage of an answer or a stream chunk (null when it carries none), with what the
 * rest of it says about the bill: the tier OpenAI says served the request (flex, priority: every
 * chunk names it, the usage chunk too) prices its tokens, and the provider's fees beside the
 * tokens that the answer does not count (opts.addFees).
 */
export function answerUsage(
  opts: Pick<OpenAICompatibleOptions, 'addFees'>,
  convertUsage: (raw: any) => Usage | null,
  answer: any,
  model: string,
): Usage | null {
  const usage = convertUsage(answer?.usage);
  if (!usage) return null;
  const tier = serviceTierOf(answer?.service_tier);
  if (tier) usage.serviceTier = tier;
  opts.addFees?.(usage, model, answer);
  return usage;
}

/** The tier a chunk's text names (every chunk of OpenAI's names it), read without parsing it. */
const TIER = /"service_tier":"(flex|priority)"/;

/**
 * What a stream bills beside its tokens, read off its first chunk (`data`, the event's text):
 * the tier that serves it and the provider's per-request fees (opts.addFees: a search model's one
 * search). A stream cut before its usage bills these with its token estimate; undefined: none.
 */
export function billExtrasOf(opts: Pick<OpenAICompatibleOptions, 'addFees'>, data: string, model: string): BillExtras | undefined {
  return extrasOf(opts, TIER.exec(data)?.[1], undefined, model);
}

/**
 * What a whole answer without usable usage bills beside its tokens (its tier, and opts.addFees
 * read off the answer: Kimi's `$web_search` calls), kept by its token estimate; undefined: none.
 */
export function answerBillExtras(opts: Pick<OpenAICompatibleOptions, 'addFees'>, answer: any, model: string): BillExtras | undefined {
  return extrasOf(opts, answer?.service_tier, answer, model);
}

function extrasOf(opts: Pick<OpenAICompatibleOptions, 'addFees'>, tierName: unknown, answer: any, model: string): BillExtras | undefined {
  const u: Usage = { ...ZERO_USAGE };
  const tier = serviceTierOf(tierName);
  if (tier) u.serviceTier = tier;
  opts.addFees?.(u, model, answer);
  const { input: _i, cachedInput: _c, output: _o, reasoning: _r, ...extras } = u;
  return Object.keys(extras).length ? extras : undefined;
}
