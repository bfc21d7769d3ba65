import { badRequest } from '../../errors/api-error';
import type { UpstreamBody } from '../types';

/**
 * `reasoning_effort: "none"` (OpenAI's word for no reasoning; a Responses `reasoning.effort`
 * bridged) on a provider whose chat API switches thinking with `thinking: {type: "enabled" |
 * "disabled"}` and has no effort `none` (DeepSeek, Kimi): a model that can switch gets
 * `thinking: {type: "disabled"}` instead (a client's own `thinking` wins), and one that always
 * thinks (`alwaysThinks`) refuses it before the call by name, so a group walks on. `switchers`
 * names the provider's models that do switch, for that refusal.
 */
export function effortNoneAsThinkingOff(body: UpstreamBody, alwaysThinks: boolean, switchers: string): void {
  if (body.reasoning_effort !== 'none') return;
  if (alwaysThinks) {
    throw badRequest(
      `reasoning_effort 'none' is not supported by '${String(body.model)}': it always thinks (${switchers} switches thinking off).`,
      'reasoning_effort',
      'unsupported_parameter',
    );
  }
  delete body.reasoning_effort;
  body.thinking ??= { type: 'disabled' };
}
