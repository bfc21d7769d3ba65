/**
 * o200k_base token counts (the encoding of current OpenAI models; for other providers an
 * approximation, which is why estimated rows are marked). gpt-tokenizer is pure JS, so it compiles
 * into the single binary (the WASM tiktoken ports do not). The gateway runs this only inside the
 * token-count worker (see token-counter.ts): the tables cost ~0.3 s to load and a long prompt
 * several ms to count, which must not stall the event loop that serves every request.
 */

let countTokens: ((text: string) => number) | undefined;

/** Longest run of non-space characters tokenized in one piece. */
const RUN = 128;
const LONG_RUN = /\S{128}/g;

export function countTextTokens(text: string): number {
  if (!text) return 0;
  const count = (countTokens ??= (require('gpt-tokenizer/encoding/o200k_base') as typeof import('gpt-tokenizer/encoding/o200k_base')).countTokens);
  // BPE merging costs the square of a word's length: one 40K-char run without spaces (CJK text,
  // base64, 'xxxx...') took ~30 s, stalling the counter. Long runs are counted in RUN-char
  // slices, which moves an estimate by about a token per slice.
  let n = 0;
  let from = 0;
  LONG_RUN.lastIndex = 0;
  for (let m = LONG_RUN.exec(text); m; m = LONG_RUN.exec(text)) {
    const end = m.index + RUN;
    n += count(text.slice(from, end));
    from = end;
  }
  return from < text.length ? n + count(text.slice(from)) : n;
}
