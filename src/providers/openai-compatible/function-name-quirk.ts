import { functionNameRestorer, renameFunction, type FunctionNameRule } from '../shared/function-names';
import type { ChatCallContext, UpstreamBody } from '../types';

const renamedCall = (c: any, rename: (n: string) => string) => {
  const name = c?.function?.name;
  if (typeof name !== 'string' || rename(name) === name) return c;
  return { ...c, function: { ...c.function, name: rename(name) } };
};

/**
 * A provider that refuses some function names OpenAI takes (shared/function-names.ts): the body's
 * names go up renamed (tools, tool_choice, the history's calls and the `name` of tool and
 * function messages). What changes is copied: the client's request stays as it came (a group's
 * next target gets it unchanged).
 */
export function renameFunctionsUp(body: UpstreamBody, rule: FunctionNameRule): void {
  const rename = (n: string) => renameFunction(rule, n);
  const changes = (n: unknown) => typeof n === 'string' && rename(n) !== n;
  if (Array.isArray(body.tools) && body.tools.some((t: any) => changes(t?.function?.name))) {
    body.tools = body.tools.map((t: any) => renamedCall(t, rename));
  }
  const tc = body.tool_choice;
  if (changes(tc?.function?.name)) body.tool_choice = renamedCall(tc, rename);
  if (Array.isArray(tc?.allowed_tools?.tools) && tc.allowed_tools.tools.some((t: any) => changes(t?.function?.name))) {
    body.tool_choice = { ...tc, allowed_tools: { ...tc.allowed_tools, tools: tc.allowed_tools.tools.map((t: any) => renamedCall(t, rename)) } };
  }
  if (!Array.isArray(body.messages)) return;
  const messageChanges = (m: any) =>
    (Array.isArray(m?.tool_calls) && m.tool_calls.some((c: any) => changes(c?.function?.name))) ||
    ((m?.role === 'tool' || m?.role === 'function') && changes(m.name)) ||
    changes(m?.function_call?.name);
  if (!body.messages.some(messageChanges)) return;
  body.messages = body.messages.map((m: any) => {
    if (!messageChanges(m)) return m;
    const out = { ...m };
    if (Array.isArray(m.tool_calls)) out.tool_calls = m.tool_calls.map((c: any) => renamedCall(c, rename));
    if (typeof m.name === 'string' && (m.role === 'tool' || m.role === 'function')) out.name = rename(m.name);
    if (typeof m.function_call?.name === 'string') out.function_call = { ...m.function_call, name: rename(m.function_call.name) };
    return out;
  });
}

/** Gives the calls of a choice list (`message` of an answer, `delta` of a chunk) the client's names back; true when one changed. */
function restoreIn(choices: unknown, key: 'message' | 'delta', restore: (n: string) => string): boolean {
  if (!Array.isArray(choices)) return false;
  let changed = false;
  for (const choice of choices) {
    const calls = choice?.[key]?.tool_calls;
    if (!Array.isArray(calls)) continue;
    for (const c of calls) {
      const name = c?.function?.name;
      if (typeof name !== 'string' || name === '') continue;
      const client = restore(name);
      if (client !== name) (c.function.name = client), (changed = true);
    }
  }
  return changed;
}

/** The answer's tool calls under the client's names (in place); true when one changed. */
export function restoreFunctionsInAnswer(body: any, rule: FunctionNameRule, ctx?: ChatCallContext): boolean {
  return restoreIn(body?.choices, 'message', functionNameRestorer(rule, ctx?.tools));
}

/** One stream's chunk editor giving the streamed tool calls the client's names back (in place; true when one changed). */
export function functionNameStreamHook(rule: FunctionNameRule, ctx: ChatCallContext): (chunk: any) => boolean {
  const restore = functionNameRestorer(rule, ctx.tools);
  return (chunk) => restoreIn(chunk?.choices, 'delta', restore);
}
