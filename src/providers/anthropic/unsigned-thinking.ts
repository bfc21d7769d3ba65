/**
 * Thinking blocks Anthropic did not sign, removed before a native call. The gateway answers
 * /v1/messages from other providers with their reasoning as `thinking` blocks whose `signature`
 * is "" (it has none to give); in a group mixing Anthropic and other targets, a conversation
 * carries such a turn to Anthropic next (fallback, or the group's pick), and Anthropic refuses the
 * whole request (400, invalid signature). Anthropic's signatures are base64; a block whose
 * signature is missing, empty or not base64 (a redacted block without its data) cannot be one of
 * Anthropic's and is left out. Signed blocks stay exactly as they came.
 *
 * With thinking on, Anthropic also wants the last assistant turn that made tool calls to start with
 * its thinking ("a final assistant message must start with a thinking block"); when that turn lost
 * its thinking here, thinking is turned off for the request, as the translated path does when a
 * client gives no thinking back (anthropic-request.ts): an answer without thinking rather than a 400.
 */

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

const signed = (b: any): boolean => {
  if (b?.type === 'thinking') return typeof b.signature === 'string' && BASE64.test(b.signature);
  if (b?.type === 'redacted_thinking') return typeof b.data === 'string' && b.data !== '';
  return true;
};

const isThinking = (b: any): boolean => b?.type === 'thinking' || b?.type === 'redacted_thinking';

/**
 * The body without unsigned thinking blocks in its assistant turns; an assistant turn left empty
 * is left out (Anthropic joins the user turns around it). When the last assistant turn lost the
 * thinking its tool calls need, `thinking` goes too (see above). A body with none is returned as
 * it is (the same object), so pure Anthropic conversations go out byte for byte.
 */
export function dropUnsignedThinking(body: unknown): unknown {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return body;
  const touched = (m: any) => m?.role === 'assistant' && Array.isArray(m.content) && !m.content.every(signed);
  if (!messages.some(touched)) return body;
  const lastAssistant = messages.findLast((m: any) => m?.role === 'assistant');
  let lost = false;
  const out = messages.flatMap((m: any) => {
    if (!touched(m)) return [m];
    const content = m.content.filter(signed);
    if (m === lastAssistant) lost = content.some((b: any) => b?.type === 'tool_use') && !isThinking(content[0]);
    return content.length ? [{ ...m, content }] : [];
  });
  const result: Record<string, unknown> = { ...(body as object), messages: out };
  const thinking = result.thinking as { type?: unknown } | null | undefined;
  if (lost && thinking && typeof thinking === 'object' && thinking.type !== 'disabled') delete result.thinking;
  return result;
}
