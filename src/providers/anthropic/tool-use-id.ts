/**
 * Anthropic tool_use ids must match ^[a-zA-Z0-9_-]+$. Ids from Anthropic itself (`toolu_…`) and
 * OpenAI's (`call_…`) already do; ids from another provider's history may not (Gemini's carry
 * encoded signatures). They are rewritten the same way on the call and on its result, so the
 * pair still matches.
 */
export function toolUseId(id: string): string {
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : id.replace(/[^A-Za-z0-9_-]/g, '_');
}
