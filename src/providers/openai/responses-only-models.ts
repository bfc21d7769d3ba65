/**
 * OpenAI's models served on its Responses API alone: /v1/chat/completions answers them 404 "This
 * model is only supported in v1/responses and not in v1/chat/completions." The OpenAI adapter sends
 * their chat requests to /v1/responses instead (openai-adapter.ts). Known by name: the models the
 * openai SDK lists for Responses beyond its chat models (o1-pro, o3-pro, the deep-research models,
 * computer-use-preview, gpt-5-pro, gpt-5-codex and their snapshots), the gpt-5.x -pro and -codex
 * variants, codex-mini-latest. Any other is learned from that 404 (ResponsesOnlyModels).
 */
const BY_NAME = /^(?:o1-pro|o3-pro|o3-deep-research|o4-mini-deep-research|computer-use-preview|codex-mini-latest|gpt-5(?:\.\d+)?-(?:pro|codex))(?:$|-)/i;

/** Whether the model's name says it is served on the Responses API alone. Pure. */
export const isResponsesOnlyByName = (model: string): boolean => BY_NAME.test(model);

/** OpenAI's words for a model its chat API does not serve (its 404 on /v1/chat/completions). */
const ONLY_ON_RESPONSES = /only supported in v1\/responses/i;

/** Whether an upstream failure is OpenAI saying the model is served on /v1/responses only. Pure. */
export function saysResponsesOnly(e: { upstreamStatus?: number | null; message: string }): boolean {
  return (e.upstreamStatus === 404 || e.upstreamStatus === 400) && ONLY_ON_RESPONSES.test(e.message);
}

/** At most this many learned names are kept (a client could name many models that do not exist). */
const MAX_LEARNED = 1000;

/**
 * The models OpenAI said (its 404) it serves on /v1/responses only, learned at run time; the
 * app's (AppContext.adapterDeps), one per instance: another instance learns them from its own first 404.
 */
export class ResponsesOnlyModels {
  private readonly learned = new Set<string>();

  /** Remembers the model (its name as sent upstream); false when it was already known. */
  learn(model: string): boolean {
    if (this.has(model)) return false;
    if (this.learned.size >= MAX_LEARNED) this.learned.delete(this.learned.values().next().value!);
    this.learned.add(model.toLowerCase());
    return true;
  }

  has(model: string): boolean {
    return isResponsesOnlyByName(model) || this.learned.has(model.toLowerCase());
  }
}
