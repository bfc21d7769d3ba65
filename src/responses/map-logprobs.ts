/**
 * Chat logprobs (`choices[].logprobs.content`: token, logprob, bytes or null, top_logprobs) ->
 * the Responses forms: an output_text part's `logprobs` (OpenAI's LogProb: `bytes` required, as
 * are the alternatives' `top_logprobs`) and a text delta event's (ResponseLogProb: token, logprob,
 * top_logprobs of token and logprob). Read loosely: an entry without a string token or a numeric
 * logprob is skipped, `bytes` an upstream left out (Ollama, null in OpenAI's own for some tokens)
 * are the token's UTF-8 bytes.
 */
export interface OutputLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

const encoder = new TextEncoder();

interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes?: unknown;
  top_logprobs?: unknown;
}

const isTokenLogprob = (e: any): e is ChatTokenLogprob => typeof e?.token === 'string' && typeof e.logprob === 'number';

const bytesOf = (e: ChatTokenLogprob): number[] =>
  Array.isArray(e.bytes) && e.bytes.every((b) => Number.isInteger(b)) ? (e.bytes as number[]) : [...encoder.encode(e.token)];

/** A chat choice's `logprobs` -> an output_text part's; [] when it carries none. */
export function outputLogprobs(choiceLogprobs: unknown): OutputLogprob[] {
  const content = (choiceLogprobs as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content)) return [];
  const out: OutputLogprob[] = [];
  for (const e of content) {
    if (!isTokenLogprob(e)) continue;
    const top = Array.isArray(e.top_logprobs) ? e.top_logprobs.filter(isTokenLogprob) : [];
    out.push({ token: e.token, logprob: e.logprob, bytes: bytesOf(e), top_logprobs: top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: bytesOf(t) })) });
  }
  return out;
}

/** An output_text part's logprobs in a text delta event's form (no bytes). */
export function deltaLogprobs(logprobs: readonly OutputLogprob[]): { token: string; logprob: number; top_logprobs: { token: string; logprob: number }[] }[] {
  return logprobs.map((l) => ({ token: l.token, logprob: l.logprob, top_logprobs: l.top_logprobs.map((t) => ({ token: t.token, logprob: t.logprob })) }));
}
