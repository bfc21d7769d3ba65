import { badRequest } from '../errors/api-error';
import { fileSourcesProblem, isObject } from './request-validation-rules';
import { BUILTIN_TOOL } from '../providers/shared/builtin-tools';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];
/** Content part types each role may send (OpenAI's schema). */
const PART_TYPES: Record<string, string[]> = {
  system: ['text'],
  developer: ['text'],
  user: ['text', 'image_url', 'input_audio', 'file'],
  assistant: ['text', 'refusal'],
  tool: ['text'],
  function: ['text'],
};

const fail = (param: string, problem: string) => badRequest(`Invalid value for '${param}': ${problem}.`, param);

function checkPart(part: unknown, role: string, p: string): void {
  if (!isObject(part)) throw fail(p, 'must be an object');
  if (typeof part.type !== 'string' || !PART_TYPES[role]!.includes(part.type)) {
    throw fail(`${p}.type`, `must be one of ${PART_TYPES[role]!.map((t) => `'${t}'`).join(', ')} for role '${role}'`);
  }
  if (part.type === 'text' && typeof part.text !== 'string') throw fail(`${p}.text`, 'must be a string');
  if (part.type === 'refusal' && typeof part.refusal !== 'string') throw fail(`${p}.refusal`, 'must be a string');
  if (part.type === 'image_url') {
    const url = part.image_url?.url;
    if (typeof url !== 'string' || !/^(https?:\/\/|data:image\/[\w.+-]+;base64,)/i.test(url)) {
      throw fail(`${p}.image_url.url`, 'must be an http(s) URL or a data:image/...;base64, URI');
    }
    // The payload of a data URI must be base64 (whitespace allowed): garbage would otherwise be
    // forwarded and fail at the upstream as an opaque 400 or, for Gemini, an inline-data error.
    if (/^data:/i.test(url) && !/^[A-Za-z0-9+/]+={0,2}$/.test(url.slice(url.indexOf(',') + 1).replace(/\s+/g, ''))) {
      throw fail(`${p}.image_url.url`, 'is a data URI whose payload is not valid base64');
    }
    const detail = part.image_url.detail;
    if (detail != null && !['auto', 'low', 'high'].includes(detail)) throw fail(`${p}.image_url.detail`, "must be 'auto', 'low' or 'high'");
  }
  if (part.type === 'input_audio' && !isObject(part.input_audio)) throw fail(`${p}.input_audio`, 'must be an object');
  if (part.type === 'file' && isObject(part.file)) {
    const problem = fileSourcesProblem(part.file);
    if (problem) throw fail(`${p}.file`, problem);
  }
}

function checkToolCalls(calls: unknown, p: string): void {
  if (!Array.isArray(calls)) throw fail(p, 'must be an array');
  calls.forEach((c, j) => {
    const q = `${p}[${j}]`;
    if (!isObject(c)) throw fail(q, 'must be an object');
    if (typeof c.id !== 'string' || !c.id) throw fail(`${q}.id`, 'must be a non-empty string');
    if (c.type === 'custom') return;
    if (c.type !== 'function' && c.type !== BUILTIN_TOOL) throw fail(`${q}.type`, "must be 'function'");
    if (typeof c.function?.name !== 'string') throw fail(`${q}.function.name`, 'must be a string');
    if (typeof c.function?.arguments !== 'string') throw fail(`${q}.function.arguments`, 'must be a string (JSON text)');
  });
}

/** Checks `messages` against OpenAI's rules; throws 400 naming the first offending field. */
export function validateMessages(messages: unknown): void {
  if (!Array.isArray(messages) || messages.length === 0) throw fail('messages', 'must be a non-empty array');
  // A plain loop, and the field path is only spelled out for the message that fails: this runs
  // on every request, for every message of the conversation.
  for (let i = 0; i < messages.length; i++) checkMessage(messages[i], i);
}

function checkMessage(m: unknown, i: number): void {
  const p = () => `messages[${i}]`;
  if (!isObject(m)) throw fail(p(), 'must be an object');
  if (typeof m.role !== 'string' || !ROLES.includes(m.role)) {
    throw fail(`${p()}.role`, `must be one of ${ROLES.map((r) => `'${r}'`).join(', ')}`);
  }
  const role = m.role;
  const content = m.content;
  if (typeof content === 'string') {
    // the usual case: nothing more to check about content
  } else if (content == null) {
    const hasCalls = role === 'assistant' && (m.tool_calls != null || m.function_call != null);
    if (!(role === 'assistant' && (hasCalls || m.refusal != null || m.audio != null))) {
      throw fail(`${p()}.content`, `is required for role '${role}'`);
    }
  } else if (Array.isArray(content)) {
    if (content.length === 0 && role === 'user') throw fail(`${p()}.content`, 'must not be an empty array');
    content.forEach((part, j) => checkPart(part, role, `${p()}.content[${j}]`));
  } else {
    throw fail(`${p()}.content`, 'must be a string or an array of content parts');
  }
  if (role === 'assistant' && m.tool_calls != null) checkToolCalls(m.tool_calls, `${p()}.tool_calls`);
  if (role === 'tool' && (typeof m.tool_call_id !== 'string' || !m.tool_call_id)) {
    throw fail(`${p()}.tool_call_id`, 'is required for role \'tool\'');
  }
  if (m.name != null && typeof m.name !== 'string') throw fail(`${p()}.name`, 'must be a string');
  // The prefill flags (Kimi's `partial`, DeepSeek's `prefix`: providers/openai-compatible/prefill.ts)
  // continue an assistant message: "yes", or either flag on a system or user message, was taken off
  // without a word, the answer then not the continuation the client asked for.
  if (m.partial != null) checkPrefillFlag(m.partial, role, `${p()}.partial`);
  if (m.prefix != null) checkPrefillFlag(m.prefix, role, `${p()}.prefix`);
}

function checkPrefillFlag(v: unknown, role: string, path: string): void {
  if (typeof v !== 'boolean') throw fail(path, 'must be a boolean');
  if (v && role !== 'assistant') throw fail(path, `marks an assistant message to continue (a prefill), not a '${role}' one`);
}
