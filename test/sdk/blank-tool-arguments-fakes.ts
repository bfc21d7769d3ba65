/**
 * Wire shapes of a tool call to a tool that takes no arguments, as providers answer it: Ollama's
 * OpenAI endpoint with `arguments: ""` (JSON, and its stream, which sends each call whole in one
 * delta), DeepSeek's stream whose call opens with `arguments: ""` and, for such a call, never gets
 * any text after, OpenAI's with `"{}"`. Built from the recorded fixtures; see
 * src/providers/openai-compatible/blank-tool-arguments.ts for who does what.
 */
import { fixtureJson, readChunks } from '../helpers/fake-upstream';

/** A tool without parameters, and the weather tool beside it. */
export const NO_ARG_TOOL = { type: 'function' as const, function: { name: 'get_time', description: 'The current time', parameters: { type: 'object', properties: {} } } };
export const WEATHER_TOOL = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
export const ASK = [{ role: 'user' as const, content: 'What time is it, and the weather in Paris?' }];

/** Ollama's recorded tool answer, its first call now get_time with `arguments` as given (undefined: left out). */
export function ollamaJson(args: string | undefined, second?: string): any {
  const body = fixtureJson('ollama', 'tools.json');
  const [first, other] = body.choices[0].message.tool_calls;
  first.function = args === undefined ? { name: 'get_time' } : { name: 'get_time', arguments: args };
  if (second === undefined) body.choices[0].message.tool_calls = [first];
  else other.function.arguments = second;
  return body;
}

/** Ollama's recorded stream: one chunk with the whole get_time call (`arguments: ""`), then its finish chunk, usage, [DONE]. */
export function ollamaChunks(): string[] {
  const [calls, finish, usage, done] = readChunks('ollama', 'tools.chunks.txt') as [string, string, string, string];
  const first = JSON.parse(calls);
  first.choices[0].delta.tool_calls = [{ id: 'call_t1m3', index: 0, type: 'function', function: { name: 'get_time', arguments: '' } }];
  return [JSON.stringify(first), finish, usage, done];
}

/**
 * DeepSeek's recorded stream of two calls: the first get_weather with its text as recorded, the
 * second now get_time, opened with `arguments: ""` and given no text after; finish `finish`.
 */
export function deepseekChunks(finish = 'tool_calls', firstBlankToo = false): string[] {
  const lines = readChunks('deepseek', 'tools.chunks.txt');
  const out: string[] = [];
  for (const line of lines) {
    if (line === '[DONE]') {
      out.push(line);
      continue;
    }
    const chunk = JSON.parse(line);
    const tc = chunk.choices[0]?.delta?.tool_calls?.[0];
    if (tc?.index === 1 && !tc.id) continue; // the second call's argument text: none for a tool without parameters
    if (tc?.index === 0 && !tc.id && firstBlankToo) continue;
    if (tc?.index === 1) tc.function.name = 'get_time';
    if (tc?.index === 0 && firstBlankToo) tc.function.name = 'get_time';
    if (chunk.choices[0]?.finish_reason) chunk.choices[0].finish_reason = finish;
    out.push(JSON.stringify(chunk));
  }
  return out;
}

/** The recorded first argument text of DeepSeek's first call. */
export const DEEPSEEK_PARIS = '{"city": "Paris"}';

/** OpenAI's recorded stream with its second call now get_time, whose argument text is OpenAI's "{}". */
export function openaiChunks(): string[] {
  return readChunks('openai', 'tools.chunks.txt').map((line) => {
    if (line === '[DONE]') return line;
    const chunk = JSON.parse(line);
    const tc = chunk.choices[0]?.delta?.tool_calls?.[0];
    if (tc?.index === 1 && tc.id) tc.function.name = 'get_time';
    else if (tc?.index === 1) tc.function.arguments = '{}';
    return JSON.stringify(chunk);
  });
}

/** Each tool call of a chunk list, by index: its id, name, the argument pieces in order. */
export function callsOf(chunks: any[]): { id?: string; name?: string; pieces: string[] }[] {
  const calls: { id?: string; name?: string; pieces: string[] }[] = [];
  for (const c of chunks) {
    for (const tc of c.choices?.[0]?.delta?.tool_calls ?? []) {
      const call = (calls[tc.index] ??= { pieces: [] });
      if (tc.id) call.id = tc.id;
      if (tc.function?.name) call.name = tc.function.name;
      if (typeof tc.function?.arguments === 'string') call.pieces.push(tc.function.arguments);
    }
  }
  return calls;
}

/** Where in a chunk list choice 0 finished (-1: never). */
export const finishAt = (chunks: any[]) => chunks.findIndex((c) => c.choices?.[0]?.finish_reason);

/** Where in a chunk list the last tool_calls delta came. */
export const lastCallDeltaAt = (chunks: any[]) => chunks.findLastIndex((c) => c.choices?.[0]?.delta?.tool_calls?.length);
