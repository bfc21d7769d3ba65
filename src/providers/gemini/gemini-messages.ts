import { parseToolArguments } from '../shared/tool-arguments';
import { badRequest } from '../../errors/api-error';
import { toolErrorOf } from '../shared/tool-error';
import type { AdapterDeps } from '../types';
import { geminiFunctionName } from './gemini-function-name';
import { userParts } from './gemini-parts';
import type { GeminiContent, GeminiPart } from './gemini-wire';
import { geminiIdFromToolCallId, signatureFromToolCallId } from './tool-call-id';
import { ID_CHARS, shownValue } from '../../errors/shown-value';

type AnyMessage = Record<string, any>;

/**
 * Gemini 3 validates thought signatures on function calls in the history. When a signature was
 * lost (history from another model, a client that rewrote ids), Google documents this sentinel
 * as the way to skip validation instead of failing the whole request with a 400.
 */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

export interface ConvertedMessages {
  systemInstruction?: GeminiContent;
  contents: GeminiContent[];
}

/**
 * OpenAI messages -> Gemini contents. system/developer go to systemInstruction (Gemini has one,
 * wherever they stood); assistant becomes role `model`; tool results become functionResponse
 * parts named after the assistant tool call they answer (Gemini matches by name, OpenAI by id).
 * Adjacent turns of the same role are merged: Gemini wants all responses to one model turn's
 * parallel calls in a single user turn.
 */
export async function convertMessages(
  messages: unknown,
  opts: { requireSignatures: boolean; deps: AdapterDeps; signal?: AbortSignal },
): Promise<ConvertedMessages> {
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest('messages must be a non-empty array.', 'messages');
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolCalls = new Map<string, ToolCallPlace>();
  const push = (role: 'user' | 'model', parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  /** The results of one assistant turn's calls, as the tool messages after it give them. */
  let results: { part: GeminiPart; at: number }[] = [];
  const pushResults = () => {
    if (results.length === 0) return;
    push('user', inCallOrder(results));
    results = [];
  };

  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as AnyMessage;
    const path = `messages[${i}]`;
    if (m?.role !== 'tool') pushResults();
    switch (m?.role) {
      case 'system':
      case 'developer':
        system.push(...systemParts(m.content, `${path}.content`));
        break;
      case 'user':
        push('user', await userParts(m.content, `${path}.content`, opts.deps, opts.signal));
        break;
      case 'assistant': {
        const parts = assistantParts(m, path, toolCalls);
        if (opts.requireSignatures) ensureSignature(parts);
        push('model', parts);
        break;
      }
      case 'tool': {
        const id = m.tool_call_id;
        if (typeof id !== 'string') throw badRequest('A tool message needs a tool_call_id.', `${path}.tool_call_id`);
        const call = toolCalls.get(id);
        if (!call) throw badRequest(`No earlier assistant tool call has the id '${shownValue(id, ID_CHARS)}'.`, `${path}.tool_call_id`);
        const failed = toolErrorOf(m);
        const response: GeminiPart['functionResponse'] = { name: call.name, response: failed === undefined ? toolResult(m.content) : toolError(failed) };
        // Gemini's id of the call it answers (Gemini 3 matches results to calls by it; tool-call-id.ts).
        const callId = geminiIdFromToolCallId(id);
        if (callId !== undefined) response.id = callId;
        results.push({ part: { functionResponse: response }, at: call.at });
        break;
      }
      case 'function': // deprecated OpenAI function-calling result; it names the function itself
        if (typeof m.name !== 'string') throw badRequest('A function message needs a name.', `${path}.name`);
        push('user', [{ functionResponse: { name: geminiFunctionName(m.name), response: toolResult(m.content) } }]);
        break;
      default:
        throw badRequest(`Unknown message role '${shownValue(m?.role)}'.`, `${path}.role`);
    }
  }
  pushResults();
  if (contents.length === 0) throw badRequest('messages must contain at least one user or assistant message.', 'messages');
  return { systemInstruction: system.length ? { parts: system } : undefined, contents };
}

/** A tool call of the history: its function as Gemini knows it, and its place among its turn's calls. */
interface ToolCallPlace {
  name: string;
  at: number;
}

/**
 * One turn's function responses in the order of the calls they answer. OpenAI pairs a tool result
 * with its call by id, so clients send them in any order (the order their tools finished); Gemini
 * 2.x gives its calls no id and pairs a response with a call by name and then by place, so two
 * results of one function sent back in the other order were read as each other's (the model told
 * the weather of Paris for Tokyo). Sorted stably: results already in order keep it.
 */
function inCallOrder(results: { part: GeminiPart; at: number }[]): GeminiPart[] {
  if (results.length > 1) results.sort((a, b) => a.at - b.at);
  return results.map((r) => r.part);
}

function systemParts(content: unknown, path: string): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw badRequest('System message content must be a string or text parts.', path);
  return content.flatMap((p: any, j) => {
    if (p?.type !== 'text' || typeof p.text !== 'string') throw badRequest('System messages take only text parts.', `${path}[${j}]`);
    return p.text === '' ? [] : [{ text: p.text }]; // Gemini refuses empty text parts
  });
}

function assistantParts(m: AnyMessage, path: string, toolCalls: Map<string, ToolCallPlace>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  if (typeof m.content === 'string') {
    if (m.content !== '') parts.push({ text: m.content });
  } else if (Array.isArray(m.content)) {
    for (const p of m.content) {
      // A refusal is what the model said; give it back as text.
      const text = p?.type === 'text' ? p.text : p?.type === 'refusal' ? p.refusal : undefined;
      if (typeof text === 'string' && text !== '') parts.push({ text });
    }
  }
  const calls: unknown[] = Array.isArray(m.tool_calls) ? m.tool_calls : m.function_call ? [{ function: m.function_call }] : [];
  calls.forEach((c: any, k) => {
    const fpath = `${path}.tool_calls[${k}].function`;
    const name = c?.function?.name;
    if (typeof name !== 'string' || name === '') throw badRequest('A tool call needs a function name.', `${fpath}.name`);
    // Renamed as in the tools (gemini-function-name.ts), and so is the functionResponse answering it.
    const geminiName = geminiFunctionName(name);
    if (typeof c.id === 'string') toolCalls.set(c.id, { name: geminiName, at: k });
    const part: GeminiPart = { functionCall: { name: geminiName, args: parseArgs(c.function.arguments, `${fpath}.arguments`) } };
    // Gemini's own id back on the call it made (only where it gave one: Gemini 2.x refuses an `id` it did not send).
    const callId = typeof c.id === 'string' ? geminiIdFromToolCallId(c.id) : undefined;
    if (callId !== undefined) part.functionCall!.id = callId;
    // Google's own OpenAI-compatible endpoint returns the signature in extra_content; accept it too.
    const signature =
      (typeof c.id === 'string' ? signatureFromToolCallId(c.id) : undefined) ?? c.extra_content?.google?.thought_signature;
    if (typeof signature === 'string' && signature) part.thoughtSignature = signature;
    parts.push(part);
  });
  return parts;
}

/** Gemini 3 wants a signature on the first function call of each model turn (only the first). */
function ensureSignature(parts: GeminiPart[]): void {
  const calls = parts.filter((p) => p.functionCall);
  if (calls.length && !calls.some((p) => p.thoughtSignature)) calls[0]!.thoughtSignature = SKIP_SIGNATURE;
}

/** Gemini also takes arguments a client already sent as an object. */
function parseArgs(raw: unknown, path: string): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  return parseToolArguments(raw, path);
}

/**
 * A failed call (an Anthropic tool_result with is_error, tool-error.ts): Gemini's docs ask for
 * the error details under an `error` key of the response object.
 */
function toolError(text: string): Record<string, unknown> {
  return { error: jsonObject(text) ?? text };
}

/**
 * functionResponse.response must be a JSON object: a tool result that already is one is sent
 * as-is, anything else (plain text, arrays, numbers, see jsonObject) is wrapped as `{result: ...}`.
 */
function toolResult(content: unknown): Record<string, unknown> {
  const text = Array.isArray(content)
    ? content.map((p: any) => (typeof p?.text === 'string' ? p.text : '')).join('')
    : typeof content === 'string'
      ? content
      : JSON.stringify(content ?? '');
  return jsonObject(text) ?? { result: text };
}

/**
 * The text as a JSON object, or null: not JSON, not an object, or holding a `$ref` key, which
 * Gemini reads as a reference to a declared schema even inside a function response and refuses
 * (400 INVALID_ARGUMENT): a JSON Schema an MCP tool returned goes as text instead.
 */
function jsonObject(text: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null; // plain text
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) && !hasRefKey(parsed) ? (parsed as Record<string, unknown>) : null;
}

function hasRefKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasRefKey);
  if (!v || typeof v !== 'object') return false;
  return Object.entries(v).some(([k, x]) => k === '$ref' || hasRefKey(x));
}
