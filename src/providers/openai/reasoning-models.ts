/**
 * o1/o3/o4-mini and GPT-5 reasoning models. The GPT-5 chat models (gpt-5-chat-latest,
 * gpt-5.1-chat-latest, …) are plain chat models to the chat API: gpt-5-chat refuses
 * `reasoning_effort`, the later ones take only their default. Pure.
 */
export function isOpenAIReasoningModel(model: string): boolean {
  return /^o\d/i.test(model) || (/^gpt-5/i.test(model) && !/^gpt-5[\w.]*-chat/i.test(model));
}
