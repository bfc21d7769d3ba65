import { badRequest } from '../../errors/api-error';

/**
 * A chat tool call's `function.arguments` (a JSON string) as the object a native tool-use block
 * carries (Gemini's functionCall.args, Anthropic's tool_use.input): blank means `{}`; anything but
 * a JSON object is a 400 naming where it was.
 */
export function parseToolArguments(raw: unknown, path: string): Record<string, unknown> {
  // Blank as blankArguments reads it (whitespace too); a value of another type is still a 400.
  if (raw == null || (typeof raw === 'string' && raw.trim() === '')) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(raw));
  } catch {
    throw badRequest('Tool call arguments must be a JSON object.', path);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('Tool call arguments must be a JSON object.', path);
  return parsed as Record<string, unknown>;
}

/**
 * A tool call's arguments that hold no text: `""`, whitespace only, or none at all. Such a call
 * takes no arguments, and is read as `{}` everywhere: a /v1/messages tool_use input, a history
 * call sent to Ollama, and a call an upstream answers with (blank-tool-arguments.ts). OpenAI
 * itself always sends JSON text (`"{}"`), which clients JSON.parse.
 */
export const blankArguments = (args: unknown): boolean => typeof args !== 'string' || args.trim() === '';
