import { countO200kTokens } from './o200k-counter';

/**
 * o200k_base token counts (the encoding of current OpenAI models; for other providers an
 * approximation, which is why estimated rows are marked), by our own counter over compact tables
 * (o200k-counter.ts: the counts of gpt-tokenizer's countTokens in ~4 MiB where it took 50-80). The
 * gateway runs this only inside the token-count worker (see token-counter.ts): the tables cost
 * ~60 ms to load and a long prompt several ms to count, which must not stall the event loop.
 */

/** Longest run of non-space (or of space) characters tokenized in one piece. */
const RUN = 128;
const LONG_RUN = /\S{128}|\s{128}/g;

export function countTextTokens(text: string): number {
  if (!text) return 0;
  // BPE merging costs the square of a piece's length: one 40K-char run without spaces (CJK text,
  // base64, 'xxxx...') took ~30 s, and 192K chars of mixed whitespace ('\n \t' repeated) ~21 s,
  // stalling the counter. Long runs are counted in RUN-char slices, which moves an estimate by
  // about a token per slice.
  let n = 0;
  let from = 0;
  LONG_RUN.lastIndex = 0;
  for (let m = LONG_RUN.exec(text); m; m = LONG_RUN.exec(text)) {
    const end = m.index + RUN;
    n += countO200kTokens(text.slice(from, end));
    from = end;
  }
  return from < text.length ? n + countO200kTokens(text.slice(from)) : n;
}
