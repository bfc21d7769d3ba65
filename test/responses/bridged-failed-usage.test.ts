/**
 * A bridged Responses stream the upstream fails midway: `response.failed` (and the stored
 * response `retrieve` reads) carries the usage the request's log row bills. Anthropic reported
 * the prompt's count in message_start before its error event, so the row bills that count (the
 * output estimated from the delivered text); the response said the tokenizer's guess at the
 * prompt instead.
 */
import { expect, test } from 'bun:test';
import { anthropicSse } from '../anthropic/fake-anthropic';
import { readChunks, sseEventsResponse } from '../helpers/fake-upstream';
import { useFakeProviders } from '../sdk/fake-providers';
import type { TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
const { anthropicUp, geminiUp } = useFakeProviders((g) => (gw = g), { gemini: true });
anthropicUp.handler = () => anthropicSse('error-midstream.sse');
geminiUp.handler = () => sseEventsResponse(readChunks('gemini', 'error-midstream.chunks.txt').map((data) => ({ data })));

/** Streams `model`'s answer to its failure; checks the failed response's usage and the stored one's against the row. */
async function expectRowUsage(model: string, promptTokens: number) {
  const stream = await gw.openai().responses.create({ model, input: 'Tell me a story.', stream: true }).withResponse();
  const events: any[] = [];
  for await (const e of stream.data) events.push(e);
  const failed = events.at(-1);
  expect(failed.type).toBe('response.failed');
  const row = await gw.waitForRow(stream.response);
  expect(row).toMatchObject({ status: 502, promptTokens, estimated: true });
  const rowUsage = {
    input_tokens: row.promptTokens,
    input_tokens_details: { cached_tokens: row.cachedTokens },
    output_tokens: row.completionTokens,
    output_tokens_details: { reasoning_tokens: row.reasoningTokens },
    total_tokens: row.promptTokens + row.completionTokens,
  };
  expect(failed.response.usage).toEqual(rowUsage);
  const stored: any = await (await gw.fetch(`/v1/responses/${failed.response.id}`)).json();
  expect(stored).toMatchObject({ status: 'failed', usage: rowUsage });
}

test("Anthropic's error event after message_start: response.failed's usage is the row's, the reported prompt count", async () => {
  await expectRowUsage('claude-sonnet-4-5', 10);
});

test("Gemini's error payload after a chunk with usageMetadata: response.failed's usage is the row's", async () => {
  await expectRowUsage('gemini-2.5-flash', 8);
});
