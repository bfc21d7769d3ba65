import { serviceTierOf, type Usage } from '../../usage/types';
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
  opts.addFees?.(usage, model);
  return usage;
}
