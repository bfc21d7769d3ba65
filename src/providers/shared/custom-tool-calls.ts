import type { ChatCompletion } from '../types';

/**
 * A custom tool's input from the arguments of the function call that stood for it
 * (custom-tools.ts): `{"input": "..."}`'s string. A model that wrote something else is taken as
 * meant: a JSON string as that string, an object holding one string (another key's) as it, no
 * arguments (`{}`, blank) as no input, and anything else (malformed JSON, the raw text itself) as
 * the text it sent.
 */
export function customInput(args: unknown): string {
  if (typeof args !== 'string') return '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return args;
  }
  if (typeof parsed === 'string') return parsed;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return args;
  const o = parsed as Record<string, unknown>;
  if (typeof o.input === 'string') return o.input;
  const values = Object.values(o);
  if (values.length === 0) return '';
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : args;
}

/** A whole answer's calls of the functions standing for custom tools (`names`) as the custom calls; true when any was. */
export function customCallsInAnswer(completion: ChatCompletion, names: ReadonlySet<string>): boolean {
  let changed = false;
  for (const choice of completion.choices ?? []) {
    const calls = choice?.message?.tool_calls;
    if (!Array.isArray(calls)) continue;
    choice.message.tool_calls = calls.map((c) => {
      if (c?.type !== 'function' || !names.has(c.function?.name)) return c;
      changed = true;
      return { id: c.id, type: 'custom', custom: { name: c.function.name, input: customInput(c.function.arguments) } };
    });
  }
  return changed;
}
