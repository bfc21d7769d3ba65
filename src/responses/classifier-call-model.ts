import type { AppContext } from '../context';
import { runChatCompletion } from '../proxy/run-chat-completion';
import type { CallModel } from '../routing';

/**
 * The classifier call for routing groups from endpoints other than chat: a non-stream chat
 * completion to the classifier's fixed model, logged as its own 'classifier' row.
 */
export function classifierCallModel(ctx: AppContext, parentRequestId: string, clientId: number | null): CallModel {
  return async (target, messages, signal) => {
    const decision = { requested: target.modelId, targets: [target], path: [target.modelId], reason: 'classifier' };
    const r = await runChatCompletion(ctx, { model: target.modelId, messages } as any, {
      decision,
      signal,
      endpoint: 'classifier',
      parentRequestId,
      clientId,
    });
    const content = r.completion.choices?.[0]?.message?.content;
    return { text: typeof content === 'string' ? content : '', usage: r.usage };
  };
}
