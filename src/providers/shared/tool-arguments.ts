import { badRequest } from '../../errors/api-error';

/**
 * A chat tool call's `function.arguments` (a JSON string) as the object a native tool-use block
 * carries (Gemini's functionCall.args, Anthropic's tool_use.input): empty means `{}`; anything but
 * a JSON object is a 400 naming where it was.
 */
export function parseToolArguments(raw: unknown, path: string): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(raw));
  } catch {
    throw badRequest('Tool call arguments must be a JSON object.', path);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('Tool call arguments must be a JSON object.', path);
  return parsed as Record<string, unknown>;
}
