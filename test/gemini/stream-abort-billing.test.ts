/**
 * A Gemini stream its client leaves before the finishing chunk. Gemini sends usageMetadata on every
 * chunk as a running total of what it has sent so far: the prompt (cache hits included) from the
 * first chunk, thoughtsTokenCount for the thoughts, candidatesTokenCount for the visible text up to
 * that chunk. The row bills the last running total it saw (marked estimated: the final count never
 * came), not a tokenizer count of the delivered text (thought summaries included) on top of the
 * thoughts Gemini already counted, which billed the thought summary twice and the visible text by
 * another tokenizer's count. The official openai
 * client over real HTTP against a fake Gemini replaying its recorded wire (text.chunks.txt); the
 * finishing chunk never comes; rows found by x-request-id; cost exact.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let gemini: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  gemini = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('gemini', gemini.url) });
});
afterAll(async () => {
  await gw?.close();
  gemini?.close();
});

/** gemini-2.5-flash: input $0.30, cached input $0.03, output (thoughts included) $2.50 per 1M. */
const costUsd = (prompt: number, cached: number, output: number) => ((prompt - cached) * 0.3 + cached * 0.03 + output * 2.5) / 1e6;

/**
 * Streams text.chunks.txt (a thought chunk, two text chunks, then the finishing chunk) but goes
 * silent after `sent` chunks; the client leaves once it read a chunk that `enough` accepts.
 */
async function leaveAfter(sent: number, enough: (delta: any) => boolean) {
  gemini.handler = () => sseResponse(readChunks('gemini', 'text.chunks.txt'), { hangAfter: sent });
  const ac = new AbortController();
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'How many r in strawberry?' }], stream: true }, { signal: ac.signal })
    .withResponse();
  for await (const c of stream) if (c.choices[0] && enough(c.choices[0].delta)) break;
  ac.abort();
  return gw.waitForRow(response);
}

test('left after the visible text: the last usageMetadata (27 candidates + 412 thoughts) is the bill', async () => {
  const row = await leaveAfter(3, (d) => typeof d.content === 'string' && d.content.includes('ünïcödé'));
  expect(row).toMatchObject({ status: 499, estimated: true, promptTokens: 2107, cachedTokens: 2048, completionTokens: 27 + 412, reasoningTokens: 412 });
  expect(row.costUsd).toBeCloseTo(costUsd(2107, 2048, 439), 12);
});

test('left during the thoughts: the thoughts Gemini counted (188), not their delivered summary on top', async () => {
  const row = await leaveAfter(1, (d) => typeof d.reasoning_content === 'string' && d.reasoning_content !== '');
  expect(row).toMatchObject({ status: 499, estimated: true, promptTokens: 2107, cachedTokens: 2048, completionTokens: 188, reasoningTokens: 188 });
  expect(row.costUsd).toBeCloseTo(costUsd(2107, 2048, 188), 12);
});
