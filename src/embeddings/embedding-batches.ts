import type { AppContext } from '../context';
import { ApiError } from '../errors/api-error';
import type { EmbeddingData } from './embedding-body';
import { EmbeddingsTooLarge } from './upstream-json';

/** One call's answer: its vectors in input order, and the prompt tokens it reported (null: none, or nonsense). */
export interface BatchAnswer {
  vectors: number[][];
  promptTokens: number | null;
}

/** Where a batch that starts at `from` ends (exclusive; past `from`), decided as the batches go. */
export type NextEnd = (from: number) => number;
/** Sends the texts `from` to `end` as one call and reads its answer (one vector per text, or it throws `malformed`). */
export type CallBatch = (from: number, end: number) => Promise<BatchAnswer>;

/**
 * Sends `texts` as batches, one after another, and adds each answer's vectors to `data` as it
 * comes (so they are kept encoded, not as numbers): the request's prompt tokens as reported, the
 * sum of every batch's count, or null (estimated by the caller) when a batch reported none.
 *
 * One at a time: the provider has the batches in the order of the input, a failure leaves no
 * other batch out (nothing to wait for, nor to bill beyond it), and only one answer is read at
 * once. A failure after some batches were answered, or while one was out when the client left or
 * its answer was too large to read, carries what the provider did as spent (billedSoFar).
 */
export async function embedInBatches(
  ctx: Pick<AppContext, 'tokenCounter'>, texts: readonly string[], data: EmbeddingData, nextEnd: NextEnd, call: CallBatch,
): Promise<number | null> {
  let promptTokens: number | null = 0;
  for (let from = 0; from < texts.length; ) {
    const end = Math.min(texts.length, Math.max(from + 1, nextEnd(from)));
    let answer: BatchAnswer;
    try {
      answer = await call(from, end);
    } catch (err) {
      // A client that left while this batch was out (open-upstream marks it spent), or an answer
      // too large to read: the provider has the batch and bills it.
      const out = (err instanceof ApiError && err.status === 499 && err.spent !== undefined) || err instanceof EmbeddingsTooLarge;
      throw await billedSoFar(ctx, err, texts.slice(0, from), promptTokens, out ? texts.slice(from, end) : []);
    }
    data.add(answer.vectors);
    promptTokens = promptTokens === null || answer.promptTokens === null ? null : promptTokens + answer.promptTokens;
    from = end;
  }
  return promptTokens;
}

/**
 * A later batch failed after earlier ones were answered, or the client left while a batch was out:
 * the provider bills those all the same, so the error carries them as spent (proxy/walk-targets.ts),
 * counted as it reported or by the tokenizer; the batch out when the client left is counted by the
 * tokenizer, and the batches never sent are not billed.
 */
async function billedSoFar(
  ctx: Pick<AppContext, 'tokenCounter'>, err: unknown, answered: readonly string[], reported: number | null, inFlight: readonly string[],
): Promise<unknown> {
  if (answered.length + inFlight.length === 0 || !(err instanceof ApiError)) return err;
  const count = async (texts: readonly string[]) => (texts.length === 0 ? 0 : (await ctx.tokenCounter.count(texts)).reduce((a, n) => a + n, 0));
  const input = (reported ?? (await count(answered))) + (await count(inFlight));
  err.spent = { usage: { input, cachedInput: 0, output: 0, reasoning: 0, estimated: reported === null || inFlight.length > 0 }, text: '' };
  return err;
}
