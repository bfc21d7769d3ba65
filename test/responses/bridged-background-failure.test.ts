/**
 * A bridged background response whose upstream refuses the call before answering: it ends
 * `failed` with OpenAI's error code for what happened (a rate limit is `rate_limit_exceeded`, what
 * a client backs off and retries on, not `server_error`) and no usage, as its row bills none.
 * Read with the official SDK, by `retrieve` and by the stream of the background response.
 */
import { afterAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { schemaErrors } from './openai-schema';

const deepseek = startFakeUpstream(() => jsonResponse({ error: { message: 'Rate limit reached for requests', type: 'rate_limit_error' } }, 429));
let gw: TestGateway;
let client: OpenAI;
useGateway((g) => {
  gw = g;
  client = g.openai();
}, { env: providerEnv('deepseek', deepseek.url) });
afterAll(() => deepseek.close());

test('a rate limit before the answer: failed with rate_limit_exceeded, streamed and retrieved, its row a 429', async () => {
  const { data: stream, response } = await client.responses.create({ model: 'deepseek-chat', input: 'Hello', background: true, stream: true }).withResponse();
  const events: any[] = [];
  for await (const e of stream) events.push(e);
  const last = events.at(-1);
  expect(last.type).toBe('response.failed');
  expect(last.response.error).toEqual({ code: 'rate_limit_exceeded', message: expect.stringContaining('Rate limit reached') });
  expect(schemaErrors('Response', last.response)).toEqual([]);
  // Refused before it answered: nothing billed (the row's counts are 0), so no usage, not an estimate of the prompt.
  expect(last.response.usage).toBeNull();
  const read = await client.responses.retrieve(last.response.id);
  expect([read.status, read.error?.code, read.usage] as unknown[]).toEqual(['failed', 'rate_limit_exceeded', null]);
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'responses', status: 429, promptTokens: 0, completionTokens: 0 });
});
